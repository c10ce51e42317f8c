package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/ftpbot/ftpbot/knowledge"
)

// Request is one question from any front end.
type Request struct {
	Text     string // what the user typed after the command (or the message to explain)
	User     string // a stable user id on the platform, for rate limiting; never shown
	Platform string // "slack", "discord", "web", "cli": for metrics and logs
	// Progress, when not nil, receives progress lines for slow commands (a live check).
	Progress func(line string)
	// Thread, when not nil, is the chat thread the question was asked in: a question for "ask"
	// is then answered from the whole thread (see Engine.Diagnose), Text being the asking
	// message's own words.
	Thread *Thread
}

// Command is one verb of the bot. The registry drives dispatch, help, the Discord command
// definition and the Slack manifest, so a new verb is added in one place.
type Command struct {
	Name     string
	Usage    string
	Summary  string
	Examples []string
	// Slow commands may take longer than the platforms' 3 seconds: adapters acknowledge first and
	// deliver the reply later.
	Slow bool
	Run  func(ctx context.Context, e *Engine, req Request, args string) (Reply, error)
}

// Engine answers questions. It is safe for concurrent use.
type Engine struct {
	KB *knowledge.Base
	// Check runs a live server check; nil means checks are off on this front end.
	Check func(ctx context.Context, req Request, target string) (Reply, error)
	// Limiter, when not nil, bounds questions per user.
	Limiter Limiter
	// Observe, when not nil, is told about every answered question (for metrics and logs).
	Observe func(Outcome)
	Log     *slog.Logger

	cache      *Cache[Reply]
	tablesOnce sync.Once
	tbl        *tables
}

// Outcome is what happened to one question, for metrics and logs. It never holds the text.
type Outcome struct {
	Platform string
	Kind     Kind
	Result   string // "answered", "no_match", "error", "rate_limited"
	Latency  time.Duration
	Panicked bool // a handler panicked and was recovered
}

// New returns an engine over kb.
func New(kb *knowledge.Base) *Engine { return &Engine{KB: kb, cache: NewCache[Reply](512)} }

// Commands lists the bot's verbs. The first word of a question selects one; anything else is a
// question for "ask".
func Commands() []Command {
	return []Command{
		{Name: "ask", Usage: "QUESTION", Summary: "Explain a reply code, a server line, a client error, a log or a mode",
			Examples: []string{"530", "550 Permission denied.", "passive vs active", "cannot open data connection"},
			Run: func(_ context.Context, e *Engine, req Request, args string) (Reply, error) {
				if req.Thread != nil {
					return e.Diagnose(*req.Thread), nil
				}
				return e.Ask(args), nil
			}},
		{Name: "check", Usage: "HOST[:PORT]", Summary: "Probe a live FTP server step by step and explain the first failure",
			Examples: []string{"check ftp.example.com", "check ftp.example.com:990"}, Slow: true,
			Run: func(ctx context.Context, e *Engine, req Request, args string) (Reply, error) {
				target := strings.TrimSpace(args)
				if target == "" {
					return Reply{}, UsageError("Tell me which server to check: `check ftp.example.com` or `check host:port`.")
				}
				if e.Check == nil {
					return Reply{}, UsageError("Live checks are turned off here. An operator can enable them with [probe] enabled = true, or run `ftpbot check " + firstField(target) + "` in a terminal.")
				}
				return e.Check(ctx, req, target)
			}},
		{Name: "help", Summary: "Show what ftpbot can do",
			Run: func(_ context.Context, e *Engine, _ Request, _ string) (Reply, error) { return e.help(), nil }},
	}
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}

// ParseCommand returns the command a question's first word names, with the rest of the question; a
// question that names no command is for "ask".
func ParseCommand(text string) (Command, string) {
	cmds := Commands()
	t := strings.TrimSpace(text)
	first, rest, _ := strings.Cut(t, " ")
	for _, c := range cmds {
		if c.Name != "ask" && strings.EqualFold(first, c.Name) && (c.Name != "help" || strings.TrimSpace(rest) == "") {
			return c, strings.TrimSpace(rest)
		}
	}
	return cmds[0], t
}

// SplitVisibility removes a trailing "public" (or "share") word: "/ftp 530 public" answers in channel.
func SplitVisibility(text string) (string, bool) {
	t := strings.TrimSpace(text)
	for _, w := range []string{"public", "share"} {
		if len(t) > len(w) && strings.EqualFold(t[len(t)-len(w):], w) && (t[len(t)-len(w)-1] == ' ') {
			return strings.TrimSpace(t[:len(t)-len(w)]), true
		}
	}
	return t, false
}

// Handle answers a request through the command registry. It never returns an error and never
// panics: failures become friendly replies that say what to do next.
func (e *Engine) Handle(ctx context.Context, req Request) (r Reply) {
	start := time.Now()
	text, public := SplitVisibility(req.Text)
	cmd, args := ParseCommand(text)
	panicked := false
	defer func() {
		if p := recover(); p != nil {
			panicked = true
			e.logger().Error("panic answering a question", "platform", req.Platform, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			r = ErrorReply(errors.New("internal error"))
			r.Query = req.Text
		}
		if public && r.Kind != KindError && r.Kind != KindSlowDown {
			r.Visibility = InChannel
		}
		if r.Visibility == "" {
			r.Visibility = Ephemeral
		}
		if e.Observe != nil {
			e.Observe(Outcome{Platform: req.Platform, Kind: r.Kind, Result: resultOf(r), Latency: time.Since(start), Panicked: panicked})
		}
	}()
	if e.Limiter != nil && !e.Limiter.Allow(ctx, req.Platform+":"+req.User) {
		return SlowDown(req.Text, e.Limiter.PerMinute())
	}
	r, err := cmd.Run(ctx, e, req, args)
	if err != nil {
		r = ErrorReply(err)
	}
	r.Query = req.Text
	return r
}

func resultOf(r Reply) string {
	switch r.Kind {
	case KindNoMatch:
		return "no_match"
	case KindError:
		return "error"
	case KindSlowDown:
		return "rate_limited"
	}
	return "answered"
}

func (e *Engine) logger() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.Default()
}

// UsageError is a mistake in how the bot was asked; its text is shown to the user as is.
type UsageError string

func (u UsageError) Error() string { return string(u) }

// ErrorReply turns an error into a reply a user can act on. Only UsageError text is shown; other
// errors are summarised, since they may carry internals.
func ErrorReply(err error) Reply {
	r := Reply{Kind: KindError, Title: "Something went wrong", Severity: SeverityWarning, Visibility: Ephemeral}
	var u UsageError
	switch {
	case errors.As(err, &u):
		r.Title = "Not quite"
		r.Summary = u.Error()
	case errors.Is(err, context.DeadlineExceeded):
		r.Summary = "That took too long and was stopped. Try again in a moment."
	default:
		r.Summary = "Sorry, I could not answer that. Try again, or ask `help`."
	}
	return r
}

// SlowDown is the reply to a user over the rate limit.
func SlowDown(query string, perMinute int) Reply {
	return Reply{Kind: KindSlowDown, Title: "Slow down a little", Severity: SeverityWarning, Query: query, Visibility: Ephemeral,
		Summary: fmt.Sprintf("You have asked %d questions in the last minute, which is the limit here. Try again in a minute.", perMinute)}
}

var helpExamples = []string{
	"530 — a reply code",
	"5xx — a class of codes",
	"53 — codes starting with 53",
	"550 Failed to open file. — a line your server sent",
	"curl: (67) Access denied: 530 — a client error",
	"passive vs active — a mode question",
	"cannot open data connection — describe the problem",
	"a whole FileZilla, WinSCP, curl -v or lftp -d log — paste it",
	"check ftp.example.com — probe a live server",
}

// help is the reply to "help" and to an empty question.
func (e *Engine) help() Reply {
	r := Reply{
		Kind:     KindHelp,
		Title:    "ftpbot: FTP errors, explained",
		Summary:  "Ask about a reply code, paste what your server or client said, or describe the problem. I tell you what broke, why, and how to fix it.",
		Severity: SeverityInfo,
		Sections: []Section{{Heading: "Things you can ask", Items: helpExamples}},
		Links:    []Link{{Label: "Web reference", URL: "/"}},
	}
	var cmds []string
	for _, c := range Commands() {
		u := c.Name
		if c.Usage != "" {
			u += " " + c.Usage
		}
		cmds = append(cmds, u+" — "+c.Summary)
	}
	r.Sections = append(r.Sections,
		Section{Heading: "Commands", Items: cmds},
		Section{Heading: "Who sees the answer", Body: "Answers are private to you unless you add `public` at the end (or press Share)."})
	for _, t := range e.KB.Topics() {
		r.Related = append(r.Related, Ref{ID: t.Slug, Kind: knowledge.KindTopic, Label: t.Title})
	}
	return r
}
