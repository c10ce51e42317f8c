package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/knowledge"
)

// serveReference serves a reference page: rendered once per path (the knowledge and templates
// cannot change while the process runs), with an ETag so browsers and proxies revalidate
// cheaply, and a short max-age so a restart with new team notes shows within minutes.
func (h *Handler) serveReference(w http.ResponseWriter, r *http.Request, key string, render func() (page, string)) {
	var cp *cachedPage
	if v, ok := h.pages.Load(key); ok {
		cp = v.(*cachedPage)
	} else {
		p, name := render()
		body, err := h.tmpl.renderPage(name, p)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		cp = &cachedPage{body: body, gz: gzipped(body), etag: etagOf(body)}
		h.pages.Store(key, cp)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	serveBytes(w, r, cp.body, cp.gz, cp.etag)
}

// serveBytes serves a fixed body with its ETag, gzipped for clients that take it; ServeContent
// answers conditional requests (304), ranges and HEAD.
func serveBytes(w http.ResponseWriter, r *http.Request, body, gz []byte, etag string) {
	w.Header().Add("Vary", "Accept-Encoding")
	if gz != nil && acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		body, etag = gz, strings.TrimSuffix(etag, `"`)+`-gz"`
	}
	w.Header().Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("web: page failed", "path", r.URL.Path, "client", h.clientKey(r), "err", err)
	body, rerr := h.tmpl.renderPage("error", page{Title: "Something went wrong", Content: "The page could not be shown. Try again, or go back to the index."})
	if rerr != nil {
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	writeHTML(w, http.StatusInternalServerError, body)
}

func (h *Handler) canonical(path string) string {
	if h.o.BaseURL == "" {
		return ""
	}
	return h.o.BaseURL + path
}

func (h *Handler) index(w http.ResponseWriter, r *http.Request) {
	h.serveReference(w, r, "/", func() (page, string) {
		return page{Title: "FTP reply codes and errors, explained", Nav: "reference", Canonical: h.canonical("/"),
			Description: "Every FTP reply code by class, what it means, why it happens and how to fix it, server by server.",
			Content:     h.viewIndex()}, "index"
	})
}

func (h *Handler) code(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	n, err := strconv.Atoi(id)
	if err == nil && n > 0 {
		if e, ok := h.o.KB.Lookup(knowledge.Code(n)); ok {
			if id != e.Code.String() { // "0530" and the like: one URL per page
				http.Redirect(w, r, h.link(bot.GuidePath(knowledge.KindCode, e.Code.String())), http.StatusMovedPermanently)
				return
			}
			h.serveReference(w, r, "/codes/"+id, func() (page, string) {
				return page{Title: e.Heading(), Description: knowledge.FirstSentence(e.Meaning), Canonical: h.canonical("/codes/" + id),
					Nav: "reference", Content: h.viewCode(e)}, "code"
			})
			return
		}
	}
	if _, ok := h.o.KB.Class(strings.ToLower(id)); ok { // /codes/5xx
		http.Redirect(w, r, h.link(bot.GuidePath(knowledge.KindClass, strings.ToLower(id))), http.StatusMovedPermanently)
		return
	}
	h.notFound(w, r, "code", id)
}

func (h *Handler) class(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	cl, ok := h.o.KB.Class(id)
	if !ok {
		if lower := strings.ToLower(id); lower != id {
			if _, ok := h.o.KB.Class(lower); ok {
				http.Redirect(w, r, h.link(bot.GuidePath(knowledge.KindClass, lower)), http.StatusMovedPermanently)
				return
			}
		}
		h.notFound(w, r, "class", id)
		return
	}
	h.serveReference(w, r, "/classes/"+id, func() (page, string) {
		return page{Title: cl.ID + " " + cl.Title, Description: knowledge.FirstSentence(cl.Meaning), Canonical: h.canonical("/classes/" + id),
			Nav: "reference", Content: h.viewClass(cl)}, "class"
	})
}

func (h *Handler) topic(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	t, ok := h.o.KB.Topic(slug)
	if !ok {
		h.notFound(w, r, "topic", slug)
		return
	}
	h.serveReference(w, r, "/topics/"+slug, func() (page, string) {
		return page{Title: t.Title, Description: t.Summary, Canonical: h.canonical("/topics/" + slug), Nav: "reference", Content: h.viewTopic(t)}, "topic"
	})
}

// notFoundView is a 404 page: what was asked for and the closest answers.
type notFoundView struct {
	Heading     string
	Message     string
	Suggestions []linkView
}

// maxMissingID bounds how much of an unknown path is echoed back and searched.
const maxMissingID = 80

// notFound answers an unknown code, class or topic with the engine's suggestions: for a code,
// the bot's own "No reply code 559. Closest: 550, 553." and its candidates.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, kind, id string) {
	if len(id) > maxMissingID {
		id = id[:maxMissingID]
	}
	id = strings.ToValidUTF8(id, "")
	v := notFoundView{}
	var sugg []knowledge.Match
	switch kind {
	case "code":
		v.Heading = "No reply code " + id
		reply := h.o.Engine.Ask(id)
		if reply.Kind == bot.KindNoMatch && strings.HasPrefix(reply.Summary, "No reply code") {
			v.Message = reply.Summary
			for _, ref := range reply.Related {
				sugg = append(sugg, knowledge.Match{ID: ref.ID, Kind: ref.Kind, Title: ref.Label})
			}
		} else {
			v.Message = "Reply codes are three digits, like 530 (or a Windows socket error number, like 10054)."
			sugg = suggestionsOf(reply)
		}
	case "class":
		v.Heading = "No reply class " + id
		v.Message = "Reply classes are named by their first digit: 1xx to 6xx, and winsock for Windows socket errors."
		for _, cl := range h.o.KB.Classes() {
			sugg = append(sugg, knowledge.Match{ID: cl.ID, Kind: knowledge.KindClass, Title: cl.ID + " " + cl.Title})
		}
	case "topic":
		v.Heading = "No topic “" + id + "”"
		sugg = suggestionsOf(h.o.Engine.Ask(strings.ReplaceAll(id, "-", " ")))
		v.Message = v.Heading + "." + closestText(sugg)
	default:
		v.Heading = "Page not found"
		v.Message = "There is no page at " + id + "."
		if words := strings.Trim(strings.NewReplacer("/", " ", "-", " ", "_", " ").Replace(id), " "); words != "" {
			sugg = h.o.KB.Suggest(words, 3)
		}
		if len(sugg) > 0 {
			v.Message += closestText(sugg)
		}
	}
	for _, m := range sugg {
		label := m.Title
		if m.Kind == knowledge.KindCode && !strings.HasPrefix(label, m.ID) {
			label = m.ID + " " + label
		}
		v.Suggestions = append(v.Suggestions, linkView{Label: label, URL: h.link(bot.GuidePath(m.Kind, m.ID)), Kind: m.Kind})
	}
	body, err := h.tmpl.renderPage("notfound", page{Title: v.Heading, Content: v, Nav: "reference"})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	writeHTML(w, http.StatusNotFound, body)
}

// suggestionsOf is what an answer offers as candidates: its matches, or a no-match's suggestions.
func suggestionsOf(reply bot.Reply) []knowledge.Match {
	if reply.Kind == bot.KindNoMatch {
		var out []knowledge.Match
		for _, ref := range reply.Related {
			title := ref.Label
			out = append(out, knowledge.Match{ID: ref.ID, Kind: ref.Kind, Title: title})
		}
		return out
	}
	if len(reply.Matches) > 3 {
		return reply.Matches[:3]
	}
	return reply.Matches
}

func closestText(ms []knowledge.Match) string {
	if len(ms) == 0 {
		return ""
	}
	var names []string
	for _, m := range ms {
		if m.Kind == knowledge.KindTopic {
			names = append(names, m.Title)
		} else {
			names = append(names, m.ID)
		}
	}
	return " Closest: " + strings.Join(names, ", ") + "."
}

func (h *Handler) notFoundPage(w http.ResponseWriter, r *http.Request) {
	// "/codes/530/" and the like: the page without the slash
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		probe := r.Clone(r.Context())
		probe.URL.Path = strings.TrimRight(p, "/")
		if _, pattern := h.mux.Handler(probe); pattern != "/" && pattern != "" {
			http.Redirect(w, r, h.link(probe.URL.Path), http.StatusMovedPermanently)
			return
		}
	}
	h.notFound(w, r, "page", r.URL.Path)
}

// badRequest is a page for a malformed request: the message says what to change.
func (h *Handler) badRequest(w http.ResponseWriter, r *http.Request, status int, msg string) {
	body, err := h.tmpl.renderPage("error", page{Title: http.StatusText(status), Content: msg})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	writeHTML(w, status, body)
}

// searchView is the results page.
type searchView struct {
	Query   string
	Best    *replyView // the bot's answer, when it is one thing (a code, a class, a topic, a log)
	Results []resultView
	Message string // for no results or a slow-down
	PlayURL string
}

type resultView struct {
	Label, URL, Kind, Summary string
}

// maxResults bounds the results list.
const maxResults = 25

// search answers GET /search?q=…: the bot's answer for the question (so an exact code or a pasted
// line lands on the right code), then the knowledge's ranked search and autocomplete matches.
func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	q, status, err := queryOf(w, r)
	if err != nil {
		h.badRequest(w, r, status, err.Error())
		return
	}
	v := searchView{Query: q}
	status = http.StatusOK
	if strings.TrimSpace(q) != "" {
		v.PlayURL = h.link("/play?q=" + queryEscape(q))
		reply := h.ask(r.Context(), r, q)
		seen := map[string]bool{}
		add := func(m knowledge.Match) {
			key := m.Kind + ":" + m.ID
			if seen[key] || len(v.Results) >= maxResults {
				return
			}
			seen[key] = true
			v.Results = append(v.Results, h.result(m))
		}
		switch reply.Kind {
		case bot.KindSlowDown:
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", "60")
			v.Message = reply.Title + ". " + reply.Summary
		case bot.KindNoMatch:
			v.Message = reply.Summary
			for _, ref := range reply.Related {
				add(knowledge.Match{ID: ref.ID, Kind: ref.Kind, Title: strings.TrimPrefix(ref.Label, ref.ID+" ")})
			}
		case bot.KindCode, bot.KindClass, bot.KindTopic, bot.KindLog:
			rv := viewReply(reply, h.o.BaseURL)
			v.Best = &rv
			fallthrough
		default:
			for _, m := range reply.Matches {
				add(m)
			}
		}
		if status == http.StatusOK {
			for _, m := range h.o.KB.Search(q, maxResults) {
				add(m)
			}
			if len(v.Results) < 5 && len(q) <= maxCompleteBytes {
				for _, m := range h.o.KB.Complete(q, 10) {
					add(m)
				}
			}
			if len(v.Results) == 0 && v.Message == "" {
				v.Message = "Nothing matched “" + trimForTitle(q) + "”."
			}
		}
	}
	title := "Search"
	if q != "" {
		title = "Search: " + trimForTitle(q)
	}
	body, err := h.tmpl.renderPage("search", page{Title: title, Query: q, Nav: "reference", Content: v})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	writeHTML(w, status, body)
}

func (h *Handler) result(m knowledge.Match) resultView {
	rv := resultView{Label: m.Title, URL: h.link(bot.GuidePath(m.Kind, m.ID)), Kind: m.Kind}
	switch m.Kind {
	case knowledge.KindCode:
		if n, err := strconv.Atoi(m.ID); err == nil {
			if e, ok := h.o.KB.Lookup(knowledge.Code(n)); ok {
				rv.Label, rv.Summary = e.Heading(), knowledge.FirstSentence(e.Meaning)
			}
		}
	case knowledge.KindClass:
		if cl, ok := h.o.KB.Class(m.ID); ok {
			rv.Label, rv.Summary = cl.ID+" "+cl.Title, knowledge.FirstSentence(cl.Meaning)
		}
	case knowledge.KindTopic:
		if t, ok := h.o.KB.Topic(m.ID); ok {
			rv.Label, rv.Summary = t.Title, t.Summary
		}
	}
	return rv
}

// playView is the playground: the question, the answer as HTML, and each platform's preview.
type playView struct {
	Query     string
	Asked     bool
	Reply     *replyView
	ReplyJSON string
	Previews  []previewView
	Examples  []linkView
	Status    int
}

// play answers GET /play?q=… (and POST, for pastes too long for a URL) with the bot's answer as
// the web shows it, plus how each chat platform would show it. ?partial=1 returns only the
// result, for the page's script to swap in without a reload.
func (h *Handler) play(w http.ResponseWriter, r *http.Request) {
	q, status, err := queryOf(w, r)
	if err != nil {
		h.badRequest(w, r, status, err.Error())
		return
	}
	v := playView{Query: q, Examples: h.examples(), Status: http.StatusOK}
	if r.Method == http.MethodPost || r.URL.Query().Has("q") {
		v.Asked = true
		reply := h.ask(r.Context(), r, q)
		if reply.Kind == bot.KindSlowDown {
			v.Status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", "60")
		}
		rv := viewReply(reply, h.o.BaseURL)
		v.Reply = &rv
		v.ReplyJSON = replyJSON(reply)
		v.Previews = h.previews(reply)
	}
	var body []byte
	if r.URL.Query().Get("partial") == "1" {
		body, err = h.tmpl.renderPart("play-result", v)
	} else {
		title := "Playground"
		if v.Asked {
			title = "Playground: " + trimForTitle(q)
		}
		body, err = h.tmpl.renderPage("play", page{Title: title, Nav: "play", Content: v, Wide: true,
			Description: "Ask ftpbot what you would ask in chat and see its answer, in Slack and in Discord."})
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	writeHTML(w, v.Status, body)
}

func replyJSON(r bot.Reply) string {
	var b bytes.Buffer
	if err := encodeIndented(&b, r); err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return strings.TrimRight(b.String(), "\n")
}
