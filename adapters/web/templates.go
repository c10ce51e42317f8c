package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
)

//go:embed assets
var assets embed.FS

// templates holds one template set per page, each the layout plus the partials plus the page.
type templates struct {
	pages map[string]*template.Template
	parts *template.Template // the partials alone, for fragments (the live playground, golden files)
}

// pageNames are the page templates under assets/templates.
var pageNames = []string{"index", "code", "class", "topic", "search", "play", "notfound", "error"}

func mustTemplates(base string) *templates {
	funcs := template.FuncMap{
		"link":  func(p string) string { return joinURL(base, p) },
		"asset": func(name string) string { return joinURL(base, assetURL(name)) },
		"play":  func(q string) string { return joinURL(base, "/play?q="+queryEscape(q)) },
	}
	parts := template.Must(template.New("parts").Funcs(funcs).ParseFS(assets, "assets/templates/partials.html"))
	t := &templates{pages: map[string]*template.Template{}, parts: parts}
	for _, name := range pageNames {
		p := template.Must(template.Must(parts.Clone()).ParseFS(assets, "assets/templates/layout.html", "assets/templates/"+name+".html"))
		t.pages[name] = p
	}
	return t
}

// page is what the layout sees.
type page struct {
	Title       string // the <title>, before " · ftpbot"
	Description string
	Canonical   string // absolute URL when BaseURL is set
	Nav         string // the current section: "reference", "play"
	Query       string // prefills the search box
	Wide        bool   // the playground: room for the previews side by side
	Content     any
}

// renderPage executes a page into memory: a template error is a 500, never half a page.
func (t *templates) renderPage(name string, p page) ([]byte, error) {
	tmpl, ok := t.pages[name]
	if !ok {
		return nil, fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "layout", p); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// renderPart executes one partial ("reply", "play-result").
func (t *templates) renderPart(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := t.parts.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// writeHTML sends a rendered page with its status. Dynamic pages are not stored by caches.
func writeHTML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func queryEscape(s string) string { return url.QueryEscape(s) }

// Static files: served with a content hash in the URL (?v=…), so they can be cached for a year.
type staticFile struct {
	body  []byte
	gz    []byte
	ctype string
	hash  string
}

var static = func() map[string]staticFile {
	out := map[string]staticFile{}
	entries, err := fs.ReadDir(assets, "assets/static")
	if err != nil {
		panic(err)
	}
	types := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
	for _, e := range entries {
		b, err := fs.ReadFile(assets, "assets/static/"+e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		out[e.Name()] = staticFile{body: b, gz: gzipped(b), ctype: types[path.Ext(e.Name())], hash: hex.EncodeToString(sum[:6])}
	}
	return out
}()

func assetURL(name string) string {
	f, ok := static[name]
	if !ok {
		panic("web: no static file " + name)
	}
	return "/static/" + name + "?v=" + f.hash
}

// serveStatic serves the embedded CSS, script and icon (and the icon as /favicon.ico).
func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if r.URL.Path == "/favicon.ico" {
		name = "icon.svg"
	}
	f, ok := static[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	if v := r.URL.Query().Get("v"); v == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=3600")
	}
	serveBytes(w, r, f.body, f.gz, `"`+f.hash+`"`)
}

// trimForTitle shortens user text for a <title>.
func trimForTitle(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}
