package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/ftpbot/ftpbot/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

// chromiumPath is Debian's Chromium, which CI installs.
const chromiumPath = "/usr/bin/chromium"

// browserTab starts a headless Chromium for the test, with a fresh profile and the flags that
// keep it off the network (this machine has none: without them Chromium's own background
// connections fail and can stall it), opens a tab and collects its console. The test fails at
// the end if the page logged an error or threw.
func browserTab(t *testing.T) (context.Context, *consoleLog) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		testenv.Missing(t, "browser tests skipped: no Chromium at %s (apt-get install chromium)", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	// The first Do starts the browser; the console is read from then on.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	cl := &consoleLog{}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			cl.add(m)
		}
	}()
	t.Cleanup(func() {
		cancelTimeout()
		<-done
		for _, m := range cl.all() {
			if (m.Type == chromedp.ConsoleError || m.IsException()) && !cl.expected(m) {
				t.Errorf("console %s (%s:%d)", m, m.URL, m.Line+1)
			} else {
				t.Logf("console %s", m)
			}
		}
	})
	return ctx, cl
}

type consoleLog struct {
	mu          sync.Mutex
	msgs        []chromedp.ConsoleMessage
	expected404 []string // pages the test opens knowing they answer 404
}

// expect404 tells the log that the page at path answers 404 on purpose: the browser reports
// that as a failed load, which is then not an error of the page.
func (c *consoleLog) expect404(path string) {
	c.mu.Lock()
	c.expected404 = append(c.expected404, path)
	c.mu.Unlock()
}

func (c *consoleLog) expected(m chromedp.ConsoleMessage) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.Source != "network" || !strings.Contains(m.Text, "404") {
		return false
	}
	for _, p := range c.expected404 {
		if strings.HasSuffix(m.URL, p) {
			return true
		}
	}
	return false
}

func (c *consoleLog) add(m chromedp.ConsoleMessage) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

// forget drops what was collected so far.
func (c *consoleLog) forget() {
	c.mu.Lock()
	c.msgs = nil
	c.mu.Unlock()
}

func (c *consoleLog) all() []chromedp.ConsoleMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.msgs)
}

func brun[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func bdo(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// screenshot saves a full-page PNG in the test's temp dir (and in $WEB_SCREENSHOTS, when set,
// to look at after the run) and logs where.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := brun(t, ctx, chromedp.FullScreenshot(100))
	dirs := []string{t.TempDir()}
	if d := os.Getenv("WEB_SCREENSHOTS"); d != "" {
		dirs = append(dirs, d)
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, name+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
}

// phone narrows the viewport to a 360-pixel phone.
func phone() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(360, 760, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait)
}

func darkMode() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
		return err
	})
}

// noOverflow fails when the page is wider than the viewport: text must wrap, not scroll sideways.
func noOverflow(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	wide := brun(t, ctx, chromedp.Evaluate[[]string](`(() => {
		const w = document.documentElement.clientWidth;
		const out = [];
		if (document.documentElement.scrollWidth > w) out.push("page " + document.documentElement.scrollWidth + " > " + w);
		for (const el of document.querySelectorAll("main *:not(pre):not(pre *)")) {
			const r = el.getBoundingClientRect();
			if (r.right > w + 1 && getComputedStyle(el).position !== "absolute") out.push(el.tagName + "." + el.className + " right " + Math.round(r.right));
		}
		return out.slice(0, 10);
	})()`))
	if len(wide) > 0 {
		t.Errorf("%s: wider than the viewport: %v", where, wide)
	}
}

func TestBrowserIndex(t *testing.T) {
	o := testOptions(t)
	_, srv := serve(t, o)
	ctx, _ := browserTab(t)
	bdo(t, ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#codes")))

	// Every class of the base has its section, in order, with its codes.
	got := brun(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("section.class h3")].map(h => h.id)`))
	var want []string
	for _, cl := range o.Engine.KB.Classes() {
		want = append(want, "class-"+cl.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("class sections (-want +got):\n%s", diff)
	}
	n := brun(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("ul.codes a[href^='/codes/']").length`))
	if n != len(o.Engine.KB.Codes()) {
		t.Errorf("%d code links, want %d", n, len(o.Engine.KB.Codes()))
	}
	// Accessibility basics: one h1, a main landmark, every form control labelled, the page's language.
	checks := brun(t, ctx, chromedp.Evaluate[[]string](`(() => {
		const out = [];
		if (document.querySelectorAll("h1").length !== 1) out.push("h1 count " + document.querySelectorAll("h1").length);
		if (!document.querySelector("main#main")) out.push("no main");
		if (!document.documentElement.lang) out.push("no lang");
		for (const c of document.querySelectorAll("input, textarea, select")) {
			if (!c.labels || c.labels.length === 0) out.push("unlabelled " + c.id);
		}
		for (const a of document.querySelectorAll("a")) { if (!a.textContent.trim()) out.push("empty link " + a.href); }
		return out;
	})()`))
	if len(checks) > 0 {
		t.Errorf("accessibility: %v", checks)
	}
	// The stylesheet applied (no CSP refusal): the class sections have their coloured border.
	border := brun(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("section.class")).borderLeftStyle`))
	if border != "solid" {
		t.Errorf("the stylesheet did not apply: border-left-style %q", border)
	}
	screenshot(t, ctx, "index-desktop")
	bdo(t, ctx, phone(), chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#codes")))
	noOverflow(t, ctx, "index at 360 px")
	screenshot(t, ctx, "index-phone")
	bdo(t, ctx, darkMode(), chromedp.Navigate(srv.URL+"/codes/530"), chromedp.WaitVisible(chromedp.CSS("h1")))
	bg := brun(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
	if bg != "rgb(13, 17, 23)" {
		t.Errorf("dark mode background %q", bg)
	}
	noOverflow(t, ctx, "code page at 360 px")
	screenshot(t, ctx, "code-530-phone-dark")
}

func TestBrowserSearch(t *testing.T) {
	_, srv := serve(t, testOptions(t))
	ctx, _ := browserTab(t)
	bdo(t, ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("site-q")))

	// As you type, the script offers 530.
	bdo(t, ctx, chromedp.SendKeys(chromedp.ID("site-q"), "login incorrect"),
		chromedp.WaitVisible(chromedp.CSS(`#site-suggest a[href="/codes/530"]`)))
	label := brun(t, ctx, chromedp.Text(chromedp.CSS(`#site-suggest a[href="/codes/530"]`)))
	if !strings.Contains(label, "530") || !strings.Contains(label, "Not logged in") {
		t.Errorf("suggestion %q", label)
	}
	screenshot(t, ctx, "search-suggest")

	// Enter submits the form: the results page, rendered by the server, has 530 first.
	bdo(t, ctx, chromedp.SendKeys(chromedp.ID("site-q"), "\r"), chromedp.WaitVisible(chromedp.CSS("ol.results")))
	loc := brun(t, ctx, chromedp.Location())
	if u, err := url.Parse(loc); err != nil || u.Path != "/search" || u.Query().Get("q") != "login incorrect" {
		t.Errorf("after Enter the page is %s", loc)
	}
	first := brun(t, ctx, chromedp.Evaluate[string](`document.querySelector("ol.results a").getAttribute("href")`))
	if first != "/codes/530" {
		t.Errorf("first result %q, want /codes/530", first)
	}
	// Following it lands on the code page.
	clickTo(t, ctx, `.result-best a[href="/codes/530"]`, "/codes/530")
	if h1 := brun(t, ctx, chromedp.Text(chromedp.CSS("h1#title"))); h1 != "530 Not logged in" {
		t.Errorf("h1 %q", h1)
	}
}

func TestBrowserPlayground(t *testing.T) {
	_, srv := serve(t, testOptions(t))
	ctx, _ := browserTab(t)

	// Without the script's help: the form's own GET request.
	bdo(t, ctx, chromedp.Navigate(srv.URL+"/play?q=530"), chromedp.WaitVisible(chromedp.ID("reply-title")))
	if title := brun(t, ctx, chromedp.Text(chromedp.ID("reply-title"))); title != "530 Not logged in" {
		t.Errorf("answer title %q", title)
	}

	// With it: ask without a reload, and see both previews.
	bdo(t, ctx, chromedp.Navigate(srv.URL+"/play"), chromedp.WaitVisible(chromedp.ID("play-q")),
		chromedp.SendKeys(chromedp.ID("play-q"), "Response: 550 Failed to open file."),
		chromedp.Evaluate[chromedp.Void](`window.__noReload = true`),
		chromedp.Click(chromedp.CSS(`#play-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#reply-title") && document.querySelector("#reply-title").textContent.startsWith("550")`),
		chromedp.WaitVisible(chromedp.CSS(".card.slack")), chromedp.WaitVisible(chromedp.CSS(".card.discord")))
	if reloaded := brun(t, ctx, chromedp.Evaluate[bool](`window.__noReload !== true`)); reloaded {
		t.Error("the page reloaded: the script did not ask in place")
	}
	loc := brun(t, ctx, chromedp.Location())
	if u, _ := url.Parse(loc); u == nil || u.Query().Get("q") != "Response: 550 Failed to open file." {
		t.Errorf("the address did not follow the question: %s", loc)
	}
	header := brun(t, ctx, chromedp.Text(chromedp.CSS(".card.slack .s-header")))
	embed := brun(t, ctx, chromedp.Text(chromedp.CSS(".card.discord .e-title")))
	if !strings.HasPrefix(header, "550") || !strings.HasPrefix(embed, "550") {
		t.Errorf("previews: Slack %q, Discord %q", header, embed)
	}
	// The raw payloads are there, folded.
	if n := brun(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(".preview details.raw pre").length`)); n != 2 {
		t.Errorf("%d raw payloads, want 2", n)
	}
	screenshot(t, ctx, "play-desktop")

	// An example link asks too.
	bdo(t, ctx, chromedp.Click(chromedp.CSS(`a[data-play][href="/play?q=passive+vs+active"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#reply-title").textContent === "Active vs passive mode"`))

	bdo(t, ctx, phone(), chromedp.Navigate(srv.URL+"/play?q=530"), chromedp.WaitVisible(chromedp.ID("reply-title")))
	noOverflow(t, ctx, "playground at 360 px")
	screenshot(t, ctx, "play-phone")
}

func TestBrowserCodePageLinks(t *testing.T) {
	_, srv := serve(t, testOptions(t))
	ctx, console := browserTab(t)
	console.expect404("/codes/559")
	bdo(t, ctx, chromedp.Navigate(srv.URL+"/codes/530"), chromedp.WaitVisible(chromedp.CSS("h1#title")))
	hrefs := brun(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("a[href]")].map(a => a.href)`))
	if len(hrefs) < 10 {
		t.Fatalf("only %d links: %v", len(hrefs), hrefs)
	}
	// Every link on the page answers (fragments aside), the page's own and the related codes'.
	checked := map[string]bool{}
	for _, h := range hrefs {
		u, err := url.Parse(h)
		if err != nil {
			t.Errorf("link %q: %v", h, err)
			continue
		}
		if u.Host != strings.TrimPrefix(srv.URL, "http://") {
			t.Errorf("link %q leaves the site", h)
			continue
		}
		u.Fragment = ""
		if checked[u.String()] {
			continue
		}
		checked[u.String()] = true
		if r := get(t, srv, u.RequestURI()); r.status != http.StatusOK {
			t.Errorf("link %s: %d", u.RequestURI(), r.status)
		}
	}
	for _, want := range []string{"/codes/331", "/codes/430", "/codes/550", "/classes/5xx", "/play?q=530"} {
		if !checked[srv.URL+want] {
			t.Errorf("no link to %s", want)
		}
	}
	screenshot(t, ctx, "code-530-desktop")
	// Clicking through: a related code, then its class.
	clickTo(t, ctx, `#related ~ ul a[href="/codes/331"]`, "/codes/331")
	clickTo(t, ctx, `.crumbs a[href="/classes/3xx"]`, "/classes/3xx")
	// A 404 names the closest codes, and they are links.
	bdo(t, ctx, chromedp.Navigate(srv.URL+"/codes/559"), chromedp.WaitVisible(chromedp.CSS("h1")))
	msg := brun(t, ctx, chromedp.Text(chromedp.CSS("p.message")))
	if msg != "No reply code 559. Closest: 553, 550, 530." {
		t.Errorf("404 message %q", msg)
	}
	clickTo(t, ctx, `ul.results a[href="/codes/553"]`, "/codes/553")
}

// clickTo clicks a link and waits for the page it leads to, which must answer 200.
func clickTo(t *testing.T, ctx context.Context, sel, path string) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("clicking %s: %v", sel, err)
	}
	if u, _ := url.Parse(resp.URL); u == nil || u.Path != path || resp.Status != http.StatusOK {
		t.Errorf("clicking %s led to %s (%d), want %s", sel, resp.URL, resp.Status, path)
	}
}

// TestBrowserConsoleCheck makes sure the console check can fail: a page with a missing image and a
// script that throws must show both in the collected console.
func TestBrowserConsoleCheck(t *testing.T) {
	h, srv := serve(t, testOptions(t))
	h.Handle("GET /broken", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><title>broken</title><img src="/missing.png" alt=""><script>throw new Error("boom")</script><p id=done>x</p>`))
	}))
	ctx, console := browserTab(t)
	bdo(t, ctx, chromedp.Navigate(srv.URL+"/broken"), chromedp.WaitVisible(chromedp.ID("done")))
	// The inline script is refused by the Content-Security-Policy (that is an error too) and the
	// image is a 404: wait until the console has seen both.
	deadline := time.Now().Add(10 * time.Second)
	var csp, missing bool
	for time.Now().Before(deadline) && !(csp && missing) {
		for _, m := range console.all() {
			csp = csp || (m.Type == chromedp.ConsoleError && strings.Contains(m.Text, "Content Security Policy"))
			missing = missing || (m.Type == chromedp.ConsoleError && strings.Contains(m.URL, "/missing.png"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !csp || !missing {
		t.Errorf("console: CSP refusal seen %v, missing image seen %v: %v", csp, missing, console.all())
	}
	console.forget() // these errors were the point of the test
}
