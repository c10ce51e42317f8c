package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/buildinfo"
)

// errorJSON is every API error: what went wrong, in words a person can act on.
type errorJSON struct {
	Error string `json:"error"`
}

// maxBody bounds a POST body. A question is at most bot.MaxQueryBytes; a form or JSON encoding of
// one may take up to three bytes per byte (percent-escapes), plus the field name.
const maxBody = 3*bot.MaxQueryBytes + 4096

// maxCompleteBytes bounds an autocomplete prefix: people type a few words, not logs.
const maxCompleteBytes = 200

// queryOf reads the question of a request: q from the query string (GET), or from a POST body
// that is JSON {"q": "..."}, a form (q=...) or plain text. It checks the query string is well
// formed and the question's size; the status says which error it was.
func queryOf(w http.ResponseWriter, r *http.Request) (q string, status int, err error) {
	vals, perr := url.ParseQuery(r.URL.RawQuery)
	if perr != nil {
		return "", http.StatusBadRequest, fmt.Errorf("the query string is malformed: %v", perr)
	}
	q = vals.Get("q")
	if r.Method == http.MethodPost {
		body, berr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if berr != nil {
			var mbe *http.MaxBytesError
			if errors.As(berr, &mbe) {
				return "", http.StatusRequestEntityTooLarge, fmt.Errorf("the request body is over %d KB", maxBody>>10)
			}
			return "", http.StatusBadRequest, fmt.Errorf("reading the request body: %v", berr)
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch ct {
		case "application/json":
			var in struct {
				Q *string `json:"q"`
			}
			if err := json.Unmarshal(body, &in); err != nil {
				return "", http.StatusBadRequest, fmt.Errorf(`the body is not JSON of the form {"q": "530"}: %v`, err)
			}
			if in.Q != nil {
				q = *in.Q
			}
		case "application/x-www-form-urlencoded":
			form, ferr := url.ParseQuery(string(body))
			if ferr != nil {
				return "", http.StatusBadRequest, fmt.Errorf("the form body is malformed: %v", ferr)
			}
			if form.Has("q") {
				q = form.Get("q")
			}
		default:
			if len(body) > 0 {
				q = string(body)
			}
		}
	}
	if len(q) > bot.MaxQueryBytes {
		return "", http.StatusBadRequest, fmt.Errorf("q is %d bytes; the most one question may carry is %d KB", len(q), bot.MaxQueryBytes>>10)
	}
	return q, http.StatusOK, nil
}

// apiAsk answers GET /api/ask?q=530 and POST /api/ask with the ranked matches, as the command
// line's `ask --json` does. The question goes through the engine as the web platform, so rate
// limits and metrics apply; a rate-limited asker gets 429 with the bot's slow-down message.
// HEAD checks the request (400 as GET would for a missing or oversized q) and answers nothing.
func (h *Handler) apiAsk(w http.ResponseWriter, r *http.Request) {
	q, status, err := queryOf(w, r)
	if err != nil {
		writeJSON(w, status, errorJSON{Error: err.Error()})
		return
	}
	if strings.TrimSpace(q) == "" {
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: `missing q: ask a question, e.g. /api/ask?q=530 or POST {"q": "530 Login incorrect."}`})
		return
	}
	if r.Method == http.MethodHead {
		// A HEAD (a link checker, a monitor) is not a question: it gets the headers of an
		// answer and no work is done for it — no search, nothing counted or rate-limited. (It
		// used to be answered in full, uncounted: a HEAD flood of long questions was free.)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		return
	}
	reply := h.ask(r.Context(), r, q)
	switch reply.Kind {
	case bot.KindSlowDown:
		w.Header().Set("Retry-After", strconv.Itoa(int(time.Minute/time.Second)))
		writeJSON(w, http.StatusTooManyRequests, errorJSON{Error: reply.Summary})
		return
	case bot.KindError:
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: reply.Summary})
		return
	}
	writeJSON(w, http.StatusOK, bot.NewAskJSON(q, reply))
}

// completeJSON is the JSON of /api/complete: suggestions for what is typed so far, with the
// reference page of each.
type completeJSON struct {
	Query   string          `json:"query"`
	Matches []completeMatch `json:"matches"`
}

type completeMatch struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// apiComplete answers GET /api/complete?q=53 with up to limit (default 8, at most 20)
// suggestions. It reads the knowledge only: it is cheap and not rate limited.
func (h *Handler) apiComplete(w http.ResponseWriter, r *http.Request) {
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: "the query string is malformed: " + err.Error()})
		return
	}
	q := vals.Get("q")
	if len(q) > maxCompleteBytes {
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: fmt.Sprintf("q is over %d bytes: autocomplete is for what you are typing, use /api/ask for a log", maxCompleteBytes)})
		return
	}
	limit := 8
	if l := vals.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 20 {
			writeJSON(w, http.StatusBadRequest, errorJSON{Error: "limit must be a number from 1 to 20"})
			return
		}
		limit = n
	}
	out := completeJSON{Query: q, Matches: []completeMatch{}}
	for _, m := range h.o.KB.Complete(q, limit) {
		out.Matches = append(out.Matches, completeMatch{ID: m.ID, Kind: m.Kind, Title: m.Title, URL: h.link(bot.GuidePath(m.Kind, m.ID))})
	}
	writeJSON(w, http.StatusOK, out)
}

// healthz says the process is alive: it answers as long as the server does.
func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyJSON is the body of /readyz.
type readyJSON struct {
	Status    string                      `json:"status"` // "ready" or "not ready"
	Knowledge knowledgeState              `json:"knowledge"`
	Version   buildinfo.Info              `json:"version"`
	Adapters  map[string]bot.AdapterState `json:"adapters"`
	// State is the shared state's backend and health; "degraded" (Redis unreachable, each
	// replica counting on its own) still answers, so it does not make the server unready.
	State bot.StoreHealth `json:"state"`
}

type knowledgeState struct {
	Loaded bool `json:"loaded"`
	Codes  int  `json:"codes"`
	Topics int  `json:"topics"`
}

// readyz is 200 when this server can answer questions: the knowledge is loaded and HTTP is up
// (it is answering this request). A chat platform that cannot be reached does not make it
// unready: a Slack or Discord outage would otherwise pull every replica out of the load
// balancer at once, the web reference and the other platform with it. The body names each
// adapter's state (and the metric ftpbot_adapter_state follows it) for whoever watches them.
func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	out := readyJSON{Status: "ready", Adapters: h.o.Health.Snapshot(), State: h.o.Health.Store()}
	out.Version = h.o.Build
	ready := h.o.KB != nil
	if h.o.KB != nil {
		out.Knowledge = knowledgeState{Loaded: true, Codes: len(h.o.KB.Codes()), Topics: len(h.o.KB.Topics())}
	}
	status := http.StatusOK
	if !ready {
		out.Status = "not ready"
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, out)
}
