package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ftpbot/ftpbot/adapters/console"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/knowledge"
	"golang.org/x/term"
)

// Exit statuses: part of the command line's contract with scripts.
const (
	exitOK      = 0
	exitNoMatch = 1 // ask: nothing matched (suggestions were printed); check: a step failed
	exitUsage   = 2
)

// exitError carries an exit status (and an optional message for stderr) out of run.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...) + "\n" + usage}
}

const usage = `usage:
  ftpbot                          interactive prompt (on a terminal)
  ftpbot ask [--json | --more] QUERY...   answer one question; --more: the whole answer, not only its card
  ftpbot check [--json] [--allow-private] [--implicit] [--profile NAME] [--config FILE] HOST[:PORT]
  ftpbot serve [--config FILE] [--listen ADDR] [--log-level LEVEL]
  ftpbot config check [--config FILE]
  ftpbot healthcheck [--config FILE] [--listen ADDR] [--timeout DURATION]
  ftpbot version`

// env is the process environment, injectable for tests.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// run is the whole program; main only maps its error to an exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	ev := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		if isTerminal(stdin) && isTerminal(stdout) {
			return ev.prompt(ctx)
		}
		return usageErr("ftpbot: no command given (the interactive prompt needs a terminal)")
	}
	switch args[0] {
	case "ask":
		return ev.ask(ctx, args[1:])
	case "check":
		return ev.check(ctx, args[1:])
	case "serve":
		return ev.serve(ctx, args[1:])
	case "config":
		if len(args) > 1 && args[1] == "check" {
			return ev.configCheck(args[2:])
		}
		return usageErr("ftpbot config: the only subcommand is `config check`")
	case "version", "--version", "-v":
		return ev.version(args[1:])
	case "healthcheck":
		return ev.healthcheck(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usageErr("ftpbot: unknown command %q", args[0])
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// useColor follows the NO_COLOR convention and only colours terminals.
func (ev env) useColor() bool {
	return ev.getenv("NO_COLOR") == "" && ev.getenv("TERM") != "dumb" && isTerminal(ev.stdout)
}

// engine builds the bot for ask and the prompt: the built-in knowledge plus the team's notes
// named by the config that serve would read (FTPBOT_CONFIG, else ./ftpbot.toml), so the terminal
// answers as the chat does. A config that does not load only costs the notes, with a warning.
func (ev env) engine() (*bot.Engine, error) {
	notes := ""
	if cfg, path, err := loadConfig("", ev.getenv); err != nil {
		if path != "" {
			fmt.Fprintf(ev.stderr, "ftpbot: %s does not load (see ftpbot config check), so its team notes are left out\n", path)
		}
	} else {
		notes = cfg.Knowledge.TeamNotes
	}
	kb, err := knowledge.Open(notes)
	if err != nil {
		return nil, fmt.Errorf("loading the knowledge base: %w", err)
	}
	return bot.New(kb), nil
}

func (ev env) ask(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(ev.stderr)
	asJSON := fs.Bool("json", false, "print one JSON object: the query and its matches, best first")
	more := fs.Bool("more", false, "print the whole answer (causes, all fixes, server notes), not only its card")
	flags, text := splitAskArgs(fs, args)
	if err := fs.Parse(flags); err != nil {
		return &exitError{code: exitUsage}
	}
	query := strings.Join(append(fs.Args(), text...), " ")
	if query == "-" {
		b, err := io.ReadAll(io.LimitReader(ev.stdin, bot.MaxQueryBytes+1))
		if err != nil {
			return err
		}
		query = string(b)
	}
	// An empty question is the same mistake whether it came as an argument or on standard input.
	if strings.TrimSpace(query) == "" {
		return usageErr("ftpbot ask: give a question, e.g. ftpbot ask 530 (or a log on standard input: ftpbot ask - < session.log)")
	}
	e, err := ev.engine()
	if err != nil {
		return err
	}
	r := e.Handle(ctx, bot.Request{Text: query, Platform: "cli", User: "terminal"})
	if *asJSON {
		enc := json.NewEncoder(ev.stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(bot.NewAskJSON(query, r)); err != nil {
			return err
		}
	} else if *more {
		if err := console.Render(ev.stdout, r, console.Options{Color: ev.useColor(), BaseURL: defaultBaseURL}); err != nil {
			return err
		}
	} else if err := console.RenderCard(ev.stdout, r, console.Options{Color: ev.useColor(), BaseURL: defaultBaseURL}, "ftpbot ask --more …"); err != nil {
		return err
	}
	if r.Kind == bot.KindNoMatch {
		return &exitError{code: exitNoMatch}
	}
	return nil
}

// splitAskArgs separates ask's flags from the question. One of fs's flags is a flag wherever it
// stands before "--" (ftpbot ask 530 --json). A question may itself hold dashes (a pasted lftp
// log starts with "---- Connecting to …", a command line has "-v"): an argument that starts with
// "-" but names none of fs's flags is text. "--" ends the flags, and "-" alone still means
// standard input.
func splitAskArgs(fs *flag.FlagSet, args []string) (flags, text []string) {
	for i, a := range args {
		switch {
		case a == "--":
			return flags, append(text, args[i+1:]...)
		case a != "-" && strings.HasPrefix(a, "-") && isFlag(fs, a):
			flags = append(flags, a)
		default:
			text = append(text, a)
		}
	}
	return flags, text
}

// isFlag reports whether arg ("-json", "--json", "--json=false", "-h") names a flag of fs or the
// help flag the flag package answers itself.
func isFlag(fs *flag.FlagSet, arg string) bool {
	name := strings.TrimLeft(arg, "-")
	if len(arg)-len(name) > 2 || name == "" {
		return false
	}
	name, _, _ = strings.Cut(name, "=")
	return fs.Lookup(name) != nil || name == "h" || name == "help"
}

// defaultBaseURL is where `ftpbot serve` puts the web reference with no config.
const defaultBaseURL = "http://127.0.0.1:8080"

func (ev env) prompt(ctx context.Context) error {
	e, err := ev.engine()
	if err != nil {
		return err
	}
	answer := func(ctx context.Context, q string) bot.Reply {
		return e.Handle(ctx, bot.Request{Text: q, Platform: "cli", User: "terminal"})
	}
	return console.Prompt(ctx, ev.stdin, ev.stdout, answer, console.Options{Color: ev.useColor(), BaseURL: defaultBaseURL})
}
