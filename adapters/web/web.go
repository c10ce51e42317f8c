// Package web is ftpbot's web front end: the reference pages generated from the knowledge base
// (every code by class, every topic, a search box), the playground that shows an answer the way
// the bot gives it in chat (with Slack and Discord previews), the JSON API (/api/ask, the same JSON
// as `ftpbot ask --json`, and /api/complete) and the health and readiness endpoints.
//
// Pages need no JavaScript and no external assets: templates, one CSS file, one small script and
// an icon are embedded in the binary. Every text from a user, a reply or the knowledge goes
// through html/template, and every response carries a Content-Security-Policy that allows only
// this server's own files.
//
// The package depends on bot and knowledge only; platform previews come in through Options as
// functions, so it never imports another adapter.
package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/buildinfo"
	"github.com/ftpbot/ftpbot/knowledge"
)

// Options configure the handler.
type Options struct {
	Engine  *bot.Engine     // answers the playground, /search and /api/ask (rate limits and metrics apply)
	KB      *knowledge.Base // the reference pages; Engine.KB when nil
	Health  *bot.Health     // the adapters' states for /readyz; nil means no adapters
	Metrics http.Handler    // served at /metrics when not nil
	Build   buildinfo.Info  // the running build, shown in /readyz
	// Previews are how the playground shows an answer per platform, in order.
	Previews []Preview
	// BaseURL is the public URL of the reference ("https://ftp.example.com"); links and the
	// canonical URL of each page start with it. Empty: links are relative to this server.
	BaseURL string
	// AllowCheck lets the playground and /api/ask run live server checks when the engine has
	// them. Off by default: a public web page that dials any host it is given is an open scanner.
	AllowCheck bool
	// TrustedProxies are the reverse proxies (load balancers, ingress controllers) in front of
	// this server. A request whose peer is inside one of them is counted under the right-most
	// address of its X-Forwarded-For that is not; from any other peer the header is ignored, so a
	// visitor cannot choose the address its questions are counted under. Empty: the peer always.
	TrustedProxies []netip.Prefix
	Log            *slog.Logger
}

// Preview renders a reply as one chat platform's payload; the playground shows the payload as
// JSON and draws it as a card in the platform's look when it recognises the shape (Slack's
// blocks, Discord's embeds).
type Preview struct {
	Name   string // "Slack", "Discord"
	Render func(bot.Reply) (any, error)
}

// Handler serves the web reference, the playground, the API and the health endpoints. Further
// routes (the chat platforms' HTTP endpoints) are added with Handle.
type Handler struct {
	o     Options
	mux   *http.ServeMux
	next  http.Handler
	tmpl  *templates
	log   *slog.Logger
	pages sync.Map // path → *cachedPage: reference pages, rendered once (the knowledge is read-only)
}

// cachedPage is a rendered reference page with its validator.
type cachedPage struct {
	body []byte
	gz   []byte // body gzipped, nil when that does not make it smaller
	etag string
}

// New returns the handler. The knowledge comes from o.KB or o.Engine.KB; with neither, every
// page answers 503 and /readyz says the knowledge is not loaded.
func New(o Options) *Handler {
	if o.KB == nil && o.Engine != nil {
		o.KB = o.Engine.KB
	}
	if o.Engine == nil && o.KB != nil {
		o.Engine = bot.New(o.KB)
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	h := &Handler{o: o, mux: http.NewServeMux(), log: o.Log}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.tmpl = mustTemplates(o.BaseURL)
	h.routes()
	h.next = securityHeaders(h.mux)
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.next.ServeHTTP(w, r) }

// Handle adds a route on the same mux, with net/http's pattern syntax ("POST /slack/events").
// Routes added here get the same security headers as the pages.
func (h *Handler) Handle(pattern string, handler http.Handler) { h.mux.Handle(pattern, handler) }

func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET /healthz", h.healthz)
	m.HandleFunc("GET /readyz", h.readyz)
	if h.o.Metrics != nil {
		m.Handle("GET /metrics", h.o.Metrics)
	}
	m.HandleFunc("GET /static/{file}", serveStatic)
	m.HandleFunc("GET /favicon.ico", serveStatic)

	m.HandleFunc("GET /{$}", h.needKB(h.index))
	m.HandleFunc("GET /codes/{$}", redirectTo("/#codes"))
	m.HandleFunc("GET /classes/{$}", redirectTo("/#codes"))
	m.HandleFunc("GET /topics/{$}", redirectTo("/#topics"))
	m.HandleFunc("GET /codes/{id}", h.needKB(h.code))
	m.HandleFunc("GET /classes/{id}", h.needKB(h.class))
	m.HandleFunc("GET /topics/{slug}", h.needKB(h.topic))
	m.HandleFunc("GET /search", h.needKB(h.search))
	m.HandleFunc("GET /play", h.needKB(h.play))
	m.HandleFunc("POST /play", h.needKB(h.play))
	m.HandleFunc("GET /api/ask", h.needKB(h.apiAsk))
	m.HandleFunc("POST /api/ask", h.needKB(h.apiAsk))
	m.HandleFunc("GET /api/complete", h.needKB(h.apiComplete))
	// Everything else. Registered for every method, so that a route added with Handle with no
	// method ("/discord/interactions") is more specific than it and never conflicts.
	m.HandleFunc("/", h.fallback)
}

// fallback answers what no route matched: a 404 page for GET and HEAD; for other methods 405 on a
// path that has a page, 404 otherwise.
func (h *Handler) fallback(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		h.needKB(h.notFoundPage)(w, r)
		return
	}
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "/" {
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	if len(allow) == 0 {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
}

// needKB answers 503 while there is no knowledge to serve.
func (h *Handler) needKB(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.o.KB == nil {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "The knowledge base is not loaded.", http.StatusServiceUnavailable)
			return
		}
		f(w, r)
	}
}

func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusMovedPermanently) }
}

// contentSecurityPolicy allows this server's own script, style, icon and API and nothing else:
// no inline script or style, no external source, no framing, forms only to this server.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func securityHeaders(next http.Handler) http.Handler {
	// Every response carries them, the signed chat endpoints under load too: the keys are
	// already canonical and the values shared (net/http only reads them), so this costs a few
	// map writes and no allocation.
	headers := map[string][]string{
		"Content-Security-Policy":    {contentSecurityPolicy},
		"X-Content-Type-Options":     {"nosniff"},
		"Referrer-Policy":            {"no-referrer"},
		"X-Frame-Options":            {"DENY"},
		"Cross-Origin-Opener-Policy": {"same-origin"},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		for k, v := range headers {
			hd[k] = v
		}
		next.ServeHTTP(w, r)
	})
}

// link turns a reference path into a link: absolute on BaseURL when one is set.
func (h *Handler) link(path string) string { return joinURL(h.o.BaseURL, path) }

func joinURL(base, path string) string {
	if base != "" && strings.HasPrefix(path, "/") {
		return base + path
	}
	return path
}

// ask puts a question to the engine as the web platform, so rate limits and metrics apply. Live
// checks are refused unless the options allow them.
func (h *Handler) ask(ctx context.Context, r *http.Request, q string) bot.Reply {
	if !h.o.AllowCheck {
		text, _ := bot.SplitVisibility(q)
		if cmd, args := bot.ParseCommand(text); cmd.Name == "check" {
			reply := bot.ErrorReply(bot.UsageError("Live checks are not available on the web. Ask in Slack or Discord, or run `ftpbot check " + firstWord(args) + "` in a terminal."))
			reply.Query = q
			if e := h.o.Engine; e.Limiter != nil && !e.Limiter.Allow(ctx, "web:"+h.clientKey(r)) {
				return bot.SlowDown(q, e.Limiter.PerMinute())
			}
			return reply
		}
	}
	return h.o.Engine.Handle(ctx, bot.Request{Text: q, User: h.clientKey(r), Platform: "web"})
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return "HOST"
}

// writeJSON writes v as JSON with status. HTML characters are not escaped: the content type and
// nosniff keep browsers from reading it as HTML.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":"internal error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

func encodeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// gzipped compresses b, or returns nil when that would not save anything worth it.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	if err := zw.Close(); err != nil || buf.Len() >= len(b)*9/10 {
		return nil
	}
	return buf.Bytes()
}

// acceptsGzip reports whether the client takes gzip (and did not refuse it with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
