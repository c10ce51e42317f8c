package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/logtest"
	"github.com/ftpbot/ftpbot/internal/signtest"
)

// The signing test vector from Slack's documentation (platforms.md). It pins the test's own
// signer (signtest.Slack) to Slack's; the verifier, which checks timestamps against the real
// clock, is then tested with requests that signer signs now.
const (
	vectorTS   = "1531420618"
	vectorBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	vectorSig  = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func TestSignatureVector(t *testing.T) {
	if got := signtest.Slack(testSecret, vectorTS, []byte(vectorBody)); got != vectorSig {
		t.Fatalf("the test's own signer gives %s, want %s", got, vectorSig)
	}
	now := time.Now()
	stamp := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	sig := func(ts string) string { return signtest.Slack(testSecret, ts, []byte(vectorBody)) }
	tests := []struct {
		name string
		body string
		ts   string
		sig  string
		want error
	}{
		{"signed now verifies", vectorBody, stamp(0), sig(stamp(0)), nil},
		{"signed 4 minutes ago still fine", vectorBody, stamp(-4 * time.Minute), sig(stamp(-4 * time.Minute)), nil},
		{"signed 6 minutes ago is stale", vectorBody, stamp(-6 * time.Minute), sig(stamp(-6 * time.Minute)), errStale},
		{"6 minutes early is stale", vectorBody, stamp(6 * time.Minute), sig(stamp(6 * time.Minute)), errStale},
		{"the 2018 vector is stale today", vectorBody, vectorTS, vectorSig, errStale},
		{"timestamp not a number", vectorBody, "soon", sig("soon"), errStale},
		{"one byte changed", strings.Replace(vectorBody, "roadrunner", "roadrunnex", 1), stamp(0), sig(stamp(0)), errBadSignature},
		{"signed at another time", vectorBody, stamp(0), sig(stamp(-time.Minute)), errBadSignature},
		{"other secret", vectorBody, stamp(0), signtest.Slack("other", stamp(0), []byte(vectorBody)), errBadSignature},
		{"upper-case hex", vectorBody, stamp(0), strings.ToUpper(sig(stamp(0))), errBadSignature},
		{"no v0 prefix", vectorBody, stamp(0), strings.TrimPrefix(sig(stamp(0)), "v0="), errBadSignature},
		{"missing", vectorBody, stamp(0), "", errNoSignature},
		{"no timestamp", vectorBody, "", sig(""), errNoSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set("X-Slack-Request-Timestamp", tt.ts)
			h.Set("X-Slack-Signature", tt.sig)
			if err := verifySignature(testSecret, h, []byte(tt.body)); !errors.Is(err, tt.want) {
				t.Errorf("verifySignature = %v, want %v", err, tt.want)
			}
		})
	}
}

// httpAdapter starts an HTTP-mode adapter behind an httptest server. It counts the engine's
// answers, so tests can check that a rejected request was not answered.
type httpAdapter struct {
	a       *Adapter
	srv     *httptest.Server
	now     time.Time
	answers atomic.Int32
	health  *bot.Health
	logs    *logtest.Buffer
}

func newHTTPAdapter(t *testing.T, o Options) *httpAdapter {
	t.Helper()
	h := &httpAdapter{now: time.Now(), health: &bot.Health{}, logs: &logtest.Buffer{}}
	if o.Engine == nil {
		o.Engine = testEngine(t)
	}
	o.Engine.Observe = func(bot.Outcome) { h.answers.Add(1) }
	o.Mode = "http"
	o.SigningSecret = testSecret
	o.Now = func() time.Time { return h.now }
	o.Health = h.health
	o.Log = testLogger(h.logs)
	if o.BaseURL == "" {
		o.BaseURL = base
	}
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	h.a = a
	mux := http.NewServeMux()
	for pattern, handler := range a.Routes() {
		mux.Handle(pattern, handler)
	}
	h.srv = httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
		h.srv.Close()
	})
	return h
}

func decode(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %s: %s", resp.Status, body)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("response is not JSON: %v: %q", err, body)
	}
	return m
}

// TestHTTPCommand: signed slash commands answer in the response body, private by default with a
// Share button, in channel with "public" or by configuration; help and an empty command show
// usage privately.
func TestHTTPCommand(t *testing.T) {
	tests := []struct {
		name       string
		def        bot.Visibility
		text       string
		wantType   string
		wantHeader string
		wantShare  bool
	}{
		{"code", "", "530", "ephemeral", "530 Not logged in", true},
		{"escaped server line", "", "550 Failed to open file. &lt;ok&gt;", "ephemeral", "550 Requested action not taken: file unavailable", true},
		{"public word", "", "530 public", "in_channel", "530 Not logged in", false},
		{"configured default", bot.InChannel, "530", "in_channel", "530 Not logged in", false},
		{"topic", "", "passive vs active", "ephemeral", "Active vs passive mode", true},
		{"help", bot.InChannel, "help", "ephemeral", "ftpbot: FTP errors, explained", false},
		{"empty", "", "", "ephemeral", "ftpbot: FTP errors, explained", false},
		{"client error", "", "Error: Failed to retrieve directory listing", "ephemeral", "425 Can't open data connection", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHTTPAdapter(t, Options{DefaultVisibility: tt.def})
			hk := newHook(t)
			m := decode(t, post(t, h.srv, "/slack/commands", "application/x-www-form-urlencoded", commandForm(tt.text, hk.URL()), h.now))
			if m["response_type"] != tt.wantType {
				t.Errorf("response_type = %v, want %s", m["response_type"], tt.wantType)
			}
			blocks := blocksOf(t, m)
			if got := headerOf(blocks); got != tt.wantHeader {
				t.Errorf("header = %q, want %q", got, tt.wantHeader)
			}
			if got := buttons(blocks)[actionShare] != nil; got != tt.wantShare {
				t.Errorf("share button = %v, want %v", got, tt.wantShare)
			}
			if m["text"] == "" {
				t.Error("no fallback text")
			}
			hk.none(t)
		})
	}
}

// TestHTTPRejects: requests that are not provably from Slack get 401 (signature) or 400 (the
// rest), and nothing is answered.
func TestHTTPRejects(t *testing.T) {
	h := newHTTPAdapter(t, Options{})
	hk := newHook(t)
	form := commandForm("530", hk.URL())
	send := func(path, ct string, body []byte, mutate func(*http.Request)) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(string(body)))
		ts := strconv.FormatInt(h.now.Unix(), 10)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", signtest.Slack(testSecret, ts, body))
		if mutate != nil {
			mutate(req)
		}
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	stale := strconv.FormatInt(h.now.Add(-6*time.Minute).Unix(), 10)
	big := append(append([]byte(nil), form...), []byte("&pad="+strings.Repeat("x", maxBody))...)
	tests := []struct {
		name   string
		path   string
		ct     string
		body   []byte
		mutate func(*http.Request)
		want   int
	}{
		{"bad signature", "/slack/commands", "application/x-www-form-urlencoded", form,
			func(r *http.Request) { r.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("0", 64)) }, 401},
		{"signed with another secret", "/slack/commands", "application/x-www-form-urlencoded", form,
			func(r *http.Request) {
				r.Header.Set("X-Slack-Signature", signtest.Slack("other", r.Header.Get("X-Slack-Request-Timestamp"), form))
			}, 401},
		{"stale timestamp, validly signed", "/slack/commands", "application/x-www-form-urlencoded", form,
			func(r *http.Request) {
				r.Header.Set("X-Slack-Request-Timestamp", stale)
				r.Header.Set("X-Slack-Signature", signtest.Slack(testSecret, stale, form))
			}, 401},
		{"timestamp not a number", "/slack/commands", "application/x-www-form-urlencoded", form,
			func(r *http.Request) { r.Header.Set("X-Slack-Request-Timestamp", "soon") }, 401},
		{"missing signature", "/slack/commands", "application/x-www-form-urlencoded", form,
			func(r *http.Request) { r.Header.Del("X-Slack-Signature") }, 401},
		{"missing timestamp", "/slack/commands", "application/x-www-form-urlencoded", form,
			func(r *http.Request) { r.Header.Del("X-Slack-Request-Timestamp") }, 401},
		{"oversized body", "/slack/commands", "application/x-www-form-urlencoded", big, nil, 400},
		{"wrong content type", "/slack/commands", "application/json", form, nil, 400},
		{"no content type", "/slack/commands", "", form, func(r *http.Request) { r.Header.Del("Content-Type") }, 400},
		{"not a slash command", "/slack/commands", "application/x-www-form-urlencoded", []byte("a=b"), nil, 400},
		{"interaction without payload", "/slack/interactivity", "application/x-www-form-urlencoded", []byte("a=b"), nil, 400},
		{"interaction with bad JSON", "/slack/interactivity", "application/x-www-form-urlencoded", []byte("payload=%7B"), nil, 400},
		{"events with form body", "/slack/events", "application/x-www-form-urlencoded", []byte(`{"type":"url_verification","challenge":"c"}`), nil, 400},
		{"events bad signature", "/slack/events", "application/json", []byte(`{"type":"url_verification","challenge":"c"}`),
			func(r *http.Request) { r.Header.Set("X-Slack-Signature", "v0=00") }, 401},
		{"events not JSON", "/slack/events", "application/json", []byte(`{`), nil, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.answers.Load()
			resp := send(tt.path, tt.ct, tt.body, tt.mutate)
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if got := h.answers.Load(); got != before {
				t.Errorf("the engine answered %d questions for a rejected request", got-before)
			}
		})
	}
	hk.none(t)
	// Slack's certificate check of the command URL gets a plain 200.
	if resp := post(t, h.srv, "/slack/commands", "application/x-www-form-urlencoded", []byte("ssl_check=1&token=legacy"), h.now); resp.StatusCode != http.StatusOK {
		t.Errorf("ssl_check: status %d", resp.StatusCode)
	}
	// GET is not routed at all.
	resp, err := h.srv.Client().Get(h.srv.URL + "/slack/commands")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /slack/commands = %d, want 405", resp.StatusCode)
	}
}

// TestHTTPSlowCommand: a live check is acknowledged at once and its report arrives through the
// response_url, replacing the "checking" message.
func TestHTTPSlowCommand(t *testing.T) {
	e := testEngine(t)
	release := make(chan struct{})
	e.Check = func(ctx context.Context, req bot.Request, target string) (bot.Reply, error) {
		<-release // the check is still running when the acknowledgement goes out
		return bot.Reply{Kind: bot.KindProbe, Title: "Check of " + target, Summary: "Login failed at step 3.", Severity: bot.SeverityError}, nil
	}
	h := newHTTPAdapter(t, Options{Engine: e})
	hk := newHook(t)
	start := time.Now()
	m := decode(t, post(t, h.srv, "/slack/commands", "application/x-www-form-urlencoded", commandForm("check ftp.example.com:2121", hk.URL()), h.now))
	if d := time.Since(start); d > time.Second {
		t.Errorf("acknowledgement took %v", d)
	}
	if m["response_type"] != "ephemeral" || !strings.Contains(m["text"].(string), "Checking `ftp.example.com:2121`") {
		t.Errorf("acknowledgement = %v", m)
	}
	close(release)
	got := hk.next(t)
	if got["replace_original"] != true || got["response_type"] != "ephemeral" {
		t.Errorf("late answer = %v, want an ephemeral replacement", got)
	}
	if hdr := headerOf(blocksOf(t, got)); hdr != "Check of ftp.example.com:2121" {
		t.Errorf("late answer header = %q", hdr)
	}
}

// TestHTTPLateAnswer: an answer not ready within the acknowledgement budget is acknowledged with
// a placeholder and delivered later; a public one removes the placeholder.
func TestHTTPLateAnswer(t *testing.T) {
	e := testEngine(t)
	h := newHTTPAdapter(t, Options{Engine: e})
	h.a.ackBudget = 20 * time.Millisecond
	e.Observe = func(bot.Outcome) { time.Sleep(200 * time.Millisecond) } // a slow engine
	hk := newHook(t)
	m := decode(t, post(t, h.srv, "/slack/commands", "application/x-www-form-urlencoded", commandForm("530 public", hk.URL()), h.now))
	if !strings.Contains(m["text"].(string), "Working on it") {
		t.Errorf("acknowledgement = %v", m["text"])
	}
	got := hk.next(t)
	if got["response_type"] != "in_channel" || headerOf(blocksOf(t, got)) != "530 Not logged in" {
		t.Errorf("late answer = %v", got)
	}
	if del := hk.next(t); del["delete_original"] != true {
		t.Errorf("after a public late answer, got %v; want the placeholder deleted", del)
	}
}

// TestHTTPBigAnswer: an answer too big for an acknowledgement is acknowledged empty and delivered
// through response_url.
func TestHTTPBigAnswer(t *testing.T) {
	h := newHTTPAdapter(t, Options{})
	h.a.maxAck = 100
	hk := newHook(t)
	resp := post(t, h.srv, "/slack/commands", "application/x-www-form-urlencoded", commandForm("530", hk.URL()), h.now)
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Errorf("acknowledgement = %d %q, want 200 and no body", resp.StatusCode, body)
	}
	got := hk.next(t)
	if got["replace_original"] == true || headerOf(blocksOf(t, got)) != "530 Not logged in" {
		t.Errorf("delivered %v", got)
	}
}

// TestHTTPShare: the Share button posts the same answer in the channel, attributed to who
// pressed it, and removes the private copy.
func TestHTTPShare(t *testing.T) {
	h := newHTTPAdapter(t, Options{})
	hk := newHook(t)
	m := decode(t, post(t, h.srv, "/slack/commands", "application/x-www-form-urlencoded", commandForm("530", hk.URL()), h.now))
	private := blocksOf(t, m)
	share := buttons(private)[actionShare]
	if share == nil {
		t.Fatal("no share button")
	}
	tests := []struct {
		name   string
		value  string
		header string // "" = expect the too-old notice
	}{
		{"cached", share.Value, "530 Not logged in"},
		{"forgotten, asked again", "gone\n550", "550 Requested action not taken: file unavailable"},
		{"forgotten long paste", "gone\n", ""},
		{"forgotten check is not rerun", "gone\ncheck ftp.example.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, h.srv, "/slack/interactivity", "application/x-www-form-urlencoded",
				interactionForm(blockActions(actionShare, tt.value, hk.URL(), true)), h.now)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			got := hk.next(t)
			if tt.header == "" {
				if got["response_type"] != "ephemeral" || !strings.Contains(got["text"].(string), "too old to share") {
					t.Errorf("got %v, want the too-old notice", got)
				}
				return
			}
			if got["response_type"] != "in_channel" || got["replace_original"] == true {
				t.Errorf("share posted %v, want a new in_channel message", got)
			}
			blocks := blocksOf(t, got)
			if headerOf(blocks) != tt.header {
				t.Errorf("shared header = %q, want %q", headerOf(blocks), tt.header)
			}
			if !strings.Contains(allText(blocks), "Shared by <@U2SHARER>") {
				t.Error("the shared answer does not name who shared it")
			}
			if buttons(blocks)[actionShare] != nil {
				t.Error("the shared answer still has a Share button")
			}
			if del := hk.next(t); del["delete_original"] != true {
				t.Errorf("then %v, want the private copy deleted", del)
			}
		})
	}
}

// TestHTTPRelated: a choice in the related menu (static_select, as Slack sends it) or a related
// button on an older answer replaces a private answer in place; on a message the channel sees,
// the answer goes privately to who pressed and the shared message is left alone (it was once
// rewritten for everyone).
func TestHTTPRelated(t *testing.T) {
	h := newHTTPAdapter(t, Options{})
	hk := newHook(t)
	for _, payload := range []func(bool) map[string]any{
		func(e bool) map[string]any { return selectAction(actionRelated, "331", hk.URL(), e) },
		func(e bool) map[string]any { return blockActions("ftp_rel_0", "331", hk.URL(), e) },
	} {
		for _, ephemeral := range []bool{true, false} {
			post(t, h.srv, "/slack/interactivity", "application/x-www-form-urlencoded", interactionForm(payload(ephemeral)), h.now)
			got := hk.next(t)
			if replaced := got["replace_original"] == true; replaced != ephemeral {
				t.Errorf("ephemeral=%v: replace_original = %v, want %v (a shared message never changes)", ephemeral, got["replace_original"], ephemeral)
			}
			if got["response_type"] != "ephemeral" {
				t.Errorf("ephemeral=%v: response_type = %v, want ephemeral (only who pressed sees it)", ephemeral, got["response_type"])
			}
			if buttons(blocksOf(t, got))[actionShare] == nil {
				t.Errorf("ephemeral=%v: the private answer has no Share button", ephemeral)
			}
			if hdr := headerOf(blocksOf(t, got)); hdr != "331 User name okay, need password" {
				t.Errorf("header = %q", hdr)
			}
		}
	}
	// The guide link button is acknowledged and ignored.
	resp := post(t, h.srv, "/slack/interactivity", "application/x-www-form-urlencoded",
		interactionForm(blockActions("ftp_link_0", "", hk.URL(), true)), h.now)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("link button: status %d", resp.StatusCode)
	}
	hk.none(t)
}

// TestHTTPMore: More on a private card replaces it with the More view; on a shared card the More
// view goes privately to who pressed, and the card stays. A token this instance forgot falls
// back to the answer's id.
func TestHTTPMore(t *testing.T) {
	h := newHTTPAdapter(t, Options{})
	hk := newHook(t)
	p := decode(t, post(t, h.srv, "/slack/commands", "application/x-www-form-urlencoded", commandForm("530 Login incorrect.", hk.URL()), h.now))
	more := buttons(blocksOf(t, p))[actionMore]
	if more == nil {
		t.Fatalf("the card has no More button: %v", p)
	}
	for _, tc := range []struct {
		name, token string
		ephemeral   bool
	}{
		{"private", more.Value, true},
		{"shared", more.Value, false},
		{"forgotten", "000000000000:530", true},
	} {
		post(t, h.srv, "/slack/interactivity", "application/x-www-form-urlencoded",
			interactionForm(blockActions(actionMore, tc.token, hk.URL(), tc.ephemeral)), h.now)
		got := hk.next(t)
		if replaced := got["replace_original"] == true; replaced != tc.ephemeral {
			t.Errorf("%s: replace_original = %v, want %v", tc.name, got["replace_original"], tc.ephemeral)
		}
		if got["response_type"] != "ephemeral" {
			t.Errorf("%s: response_type = %v, want ephemeral", tc.name, got["response_type"])
		}
		text := allText(blocksOf(t, got))
		if !strings.Contains(text, "*How to fix it*") || !strings.Contains(text, "*Likely causes*") {
			t.Errorf("%s: the More view lacks fixes or causes:\n%s", tc.name, text)
		}
		if tc.name != "forgotten" && !strings.Contains(text, "530 Login incorrect.") {
			t.Errorf("%s: the More view lost the evidence of the question", tc.name)
		}
	}
}

// TestResponseURLRateLimit: a 429 from the response_url is retried after Retry-After.
func TestResponseURLRateLimit(t *testing.T) {
	h := newHTTPAdapter(t, Options{})
	hk := newHook(t)
	hk.script = []int{http.StatusTooManyRequests}
	start := time.Now()
	post(t, h.srv, "/slack/interactivity", "application/x-www-form-urlencoded",
		interactionForm(blockActions("ftp_rel_0", "550", hk.URL(), true)), h.now)
	got := hk.next(t)
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, before Retry-After: 1", d)
	}
	if headerOf(blocksOf(t, got)) == "" {
		t.Errorf("retried answer = %v", got)
	}
}

// TestHTTPEventsWithoutBotToken: HTTP mode starts with the signing secret alone, says in one log
// line what is off, answers url_verification and acknowledges events without acting on them.
func TestHTTPEventsWithoutBotToken(t *testing.T) {
	h := newHTTPAdapter(t, Options{})
	body := []byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	m := decode(t, post(t, h.srv, "/slack/events", "application/json", body, h.now))
	if m["challenge"] != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("challenge answer = %v", m)
	}
	resp := post(t, h.srv, "/slack/events", "application/json", mentionEvent("Ev1", "<@UBOTFTP> 530", "", "1700000000.000100"), h.now)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("event: status %d", resp.StatusCode)
	}
	waitFor(t, func() bool { return strings.Contains(h.logs.String(), "HTTP mode without slack.bot_token") })
	if n := strings.Count(h.logs.String(), "HTTP mode without"); n != 1 {
		t.Errorf("%d log lines about the missing bot token, want 1", n)
	}
	waitFor(t, func() bool { return h.health.Snapshot()[Name].State == bot.StateListening })
	if h.answers.Load() != 0 {
		t.Errorf("an event was answered without a bot token")
	}
	for _, secret := range []string{testSecret} {
		if strings.Contains(h.logs.String(), secret) {
			t.Error("the log contains the signing secret")
		}
	}
}

// TestHTTPEventRetries: a retried event (X-Slack-Retry-Num) that was handled is not answered
// twice; an unknown event type is acknowledged.
func TestHTTPEventRetries(t *testing.T) {
	api := newFakeAPI(t)
	h := newHTTPAdapter(t, Options{BotToken: "xoxb-test", APIURL: api.GetAPIURL()})
	ev := mentionEvent("Ev42", "<@UBOTFTP> 530", "", "1700000000.000100")
	post(t, h.srv, "/slack/events", "application/json", ev, h.now)
	api.next(t, "chat.postMessage")
	for i := 1; i <= 2; i++ {
		resp := post(t, h.srv, "/slack/events", "application/json", ev, h.now, "X-Slack-Retry-Num", strconv.Itoa(i), "X-Slack-Retry-Reason", "http_timeout")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("retry %d: status %d", i, resp.StatusCode)
		}
	}
	unknown := []byte(`{"type":"event_callback","event_id":"Ev43","event":{"type":"something_new","x":1}}`)
	if resp := post(t, h.srv, "/slack/events", "application/json", unknown, h.now); resp.StatusCode != http.StatusOK {
		t.Errorf("unknown event: status %d", resp.StatusCode)
	}
	time.Sleep(300 * time.Millisecond)
	if n := api.count("chat.postMessage"); n != 1 {
		t.Errorf("chat.postMessage called %d times for one event and its retries", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mentionEvent is an event_callback for an app_mention, as Slack sends it.
func mentionEvent(id, text, threadTS, ts string) []byte {
	ev := map[string]any{
		"type": "app_mention", "user": "U1ASKER", "text": text, "ts": ts, "channel": "C1", "event_ts": ts,
	}
	if threadTS != "" {
		ev["thread_ts"] = threadTS
	}
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": id, "event_time": 1700000000, "event": ev,
		"authorizations": []map[string]any{{"team_id": "T1", "user_id": testBotID, "is_bot": true}},
	})
	return b
}

func TestNewValidates(t *testing.T) {
	e := testEngine(t)
	tests := []struct {
		name string
		o    Options
		want string // "" = valid
	}{
		{"socket needs app token", Options{BotToken: "xoxb-1"}, "slack.app_token (or SLACK_APP_TOKEN)"},
		{"socket app token shape", Options{AppToken: "xoxb-1", BotToken: "xoxb-1"}, "starting with xapp-"},
		{"socket needs bot token", Options{AppToken: "xapp-1"}, "slack.bot_token (or SLACK_BOT_TOKEN)"},
		{"socket ok", Options{AppToken: "xapp-1", BotToken: "xoxb-1"}, ""},
		{"http needs secret", Options{Mode: "http"}, "slack.signing_secret (or SLACK_SIGNING_SECRET)"},
		{"http secret alone", Options{Mode: "http", SigningSecret: "s"}, ""},
		{"http bot token shape", Options{Mode: "http", SigningSecret: "s", BotToken: "xoxp-1"}, "starting with xoxb-"},
		{"mode", Options{Mode: "rtm"}, `slack.mode must be "socket" or "http"`},
		{"visibility", Options{Mode: "http", SigningSecret: "s", DefaultVisibility: "public"}, "slack.default_visibility"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Engine = e
			_, err := New(tt.o)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("New = %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New = %v, want an error naming %q", err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "xoxb-1") || strings.Contains(err.Error(), "xapp-1")) {
				t.Errorf("the error shows a token: %v", err)
			}
		})
	}
	if _, err := New(Options{Mode: "http", SigningSecret: "s"}); err == nil {
		t.Error("New without an engine succeeded")
	}
	a, _ := New(Options{Mode: "socket", AppToken: "xapp-1", BotToken: "xoxb-1", Engine: e})
	if a.Routes() != nil {
		t.Error("Socket Mode has HTTP routes")
	}
}

// TestHTTPCommandCached: a question asked again is served from the rendered-answer cache, byte
// for byte the same, and still goes through the engine each time, so metrics count it and the
// rate limit applies to it.
func TestHTTPCommandCached(t *testing.T) {
	e := testEngine(t)
	e.Limiter = bot.NewRateLimiter(3)
	h := newHTTPAdapter(t, Options{Engine: e})
	hk := newHook(t)
	var bodies [][]byte
	for range 4 {
		resp := post(t, h.srv, "/slack/commands", "application/x-www-form-urlencoded", commandForm("530", hk.URL()), h.now)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		bodies = append(bodies, b)
	}
	if _, ok := h.a.rendered.Get("530"); !ok {
		t.Error("the answer to 530 is not in the rendered cache")
	}
	if !bytes.Equal(bodies[0], bodies[1]) || !bytes.Equal(bodies[1], bodies[2]) {
		t.Errorf("a cached answer differs from the first:\n%s\n%s", bodies[0], bodies[1])
	}
	if !bytes.Contains(bodies[0], []byte("530 Not logged in")) {
		t.Errorf("first answer = %s", bodies[0])
	}
	if bytes.Contains(bodies[3], []byte("530 Not logged in")) || !bytes.Contains(bytes.ToLower(bodies[3]), []byte("slow down")) {
		t.Errorf("the fourth question within a minute got %s, want the slow-down notice", bodies[3])
	}
	if n := h.answers.Load(); n != 4 {
		t.Errorf("engine saw %d questions, want 4 (cached answers are still counted)", n)
	}
	hk.none(t)
}

// TestHTTPCheckProgress: a live check's steps replace the "working on it" message as they come,
// escaped, in at most maxProgressPosts posts, and the report then replaces them.
func TestHTTPCheckProgress(t *testing.T) {
	e := testEngine(t)
	e.Check = func(ctx context.Context, req bot.Request, target string) (bot.Reply, error) {
		for _, l := range []string{"dns ok", "connect ok 3 ms", "greeting ok 220 <!channel> hi", "login ok 230", "pasv ok 227"} {
			req.Progress(l)
		}
		return bot.Reply{Kind: bot.KindProbe, Title: "Check of " + target, Summary: "healthy", Severity: bot.SeveritySuccess}, nil
	}
	h := newHTTPAdapter(t, Options{Engine: e})
	h.a.progressEvery = 0
	hk := newHook(t)
	decode(t, post(t, h.srv, "/slack/commands", "application/x-www-form-urlencoded", commandForm("check ftp.example.com", hk.URL()), h.now))
	var progress []map[string]any
	for {
		got := hk.next(t)
		if hdr := headerOf(blocksOf(t, got)); hdr == "Check of ftp.example.com" {
			break
		}
		progress = append(progress, got)
	}
	if len(progress) == 0 || len(progress) > maxProgressPosts {
		t.Fatalf("%d progress posts, want 1 to %d", len(progress), maxProgressPosts)
	}
	for _, p := range progress {
		if p["replace_original"] != true || !strings.Contains(p["text"].(string), "dns ok") {
			t.Errorf("progress post = %v, want a replacement listing the steps so far", p)
		}
		if strings.Contains(p["text"].(string), "<!channel>") {
			t.Errorf("progress post carries a live <!channel>: %v", p["text"])
		}
	}
	hk.none(t)
}
