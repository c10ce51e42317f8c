package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ftpbot/ftpbot/adapters/console"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/metrics"
	"github.com/ftpbot/ftpbot/bot/probe"
	"github.com/ftpbot/ftpbot/internal/connlimit"
	"github.com/ftpbot/ftpbot/knowledge"
	"github.com/ftpbot/ftpbot/state"
	"golang.org/x/sync/errgroup"
)

// adapter is a chat platform connection: it runs until ctx ends and may add HTTP routes.
type adapter interface {
	Run(ctx context.Context) error
	Routes() map[string]http.Handler
}

// serveFlags are `ftpbot serve`'s flags.
type serveFlags struct {
	config, listen, logLevel string
}

func (ev env) serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(ev.stderr)
	var f serveFlags
	fs.StringVar(&f.config, "config", "", "config file (default: $FTPBOT_CONFIG, else ./ftpbot.toml if present)")
	fs.StringVar(&f.listen, "listen", "", "address for the HTTP server, overriding [server] listen")
	fs.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error, overriding [server] log_level")
	if err := fs.Parse(args); err != nil {
		return &exitError{code: exitUsage}
	}
	if fs.NArg() > 0 {
		return usageErr("ftpbot serve: unexpected argument %q", fs.Arg(0))
	}
	cfg, path, err := loadConfig(f.config, ev.getenv)
	if err != nil {
		return &exitError{code: exitUsage, msg: configErrorText(path, err)}
	}
	if f.listen != "" {
		if err := checkListen(f.listen); err != nil {
			return usageErr("ftpbot serve: --listen %v", err)
		}
		cfg.Server.Listen = f.listen
	}
	if f.logLevel != "" {
		switch f.logLevel {
		case "debug", "info", "warn", "error":
		default:
			return usageErr("ftpbot serve: --log-level must be debug, info, warn or error, not %q", f.logLevel)
		}
		cfg.Server.LogLevel = f.logLevel
	}
	interactive := isTerminal(ev.stdin) && isTerminal(ev.stdout)
	if interactive && f.logLevel == "" && !cfg.isSet("server.log_level") {
		// one log line per question would scroll the prompt away; --log-level info brings them back
		cfg.Server.LogLevel = "warn"
	}
	log := newLogger(ev.stderr, cfg.Server.LogLevel)
	if w := permissionWarning(path, cfg); w != "" {
		log.Warn(w)
	}
	tuneGC(ev.getenv)
	s, err := newServer(cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (is another ftpbot running? use --listen to pick another address)", cfg.Server.Listen, err)
	}
	if cfg.Server.MetricsListen != "" {
		if s.metricsLn, err = net.Listen("tcp", cfg.Server.MetricsListen); err != nil {
			ln.Close()
			return fmt.Errorf("listening on %s for metrics: %w (set [server] metrics_listen to a free address)", cfg.Server.MetricsListen, err)
		}
	}
	if interactive {
		// On a terminal the same process answers at a prompt too; quitting it stops the server.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			defer cancel()
			answer := func(ctx context.Context, q string) bot.Reply {
				return s.engine.Handle(ctx, bot.Request{Text: q, Platform: "cli", User: "terminal"})
			}
			console.Prompt(ctx, ev.stdin, ev.stdout, answer, console.Options{Color: ev.useColor(), BaseURL: s.baseURL()})
		}()
	}
	return s.run(ctx, ln, ev.stdout)
}

// configErrorText says what is wrong with the configuration read from path ("" when there was no
// file), naming it once: "ftpbot: ftpbot.toml has 2 problems: …".
func configErrorText(path string, err error) string {
	where := path
	if where == "" {
		where = "the configuration (no config file: defaults and the environment)"
	}
	var ce ConfigErrors
	if errors.As(err, &ce) {
		return fmt.Sprintf("ftpbot: %s has %s", where, ce.list())
	}
	return fmt.Sprintf("ftpbot: %s: %v", where, err)
}

// newLogger logs text on a terminal and JSON otherwise, at level.
func newLogger(w io.Writer, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if isTerminal(w) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// server is everything `ftpbot serve` runs.
type server struct {
	cfg      *Config
	log      *slog.Logger
	engine   *bot.Engine
	health   *bot.Health
	metrics  *metrics.Metrics
	state    *state.Store // rate limits, event de-duplication and shares (see openState)
	adapters map[string]adapter
	off      map[string]string // adapter → why it is off
	handler  http.Handler
	// readHeaderTimeout cuts off clients that send their headers too slowly (slowloris).
	readHeaderTimeout time.Duration
	// idleTimeout closes keep-alive connections left unused; maxConns and maxConnsPerHost cap
	// the connections held open, in all and per client address (see internal/connlimit).
	idleTimeout               time.Duration
	maxConns, maxConnsPerHost int
	// metricsLn serves /metrics on its own when [server] metrics_listen is set.
	metricsLn net.Listener
}

// Connection caps of the HTTP server. Each connection is a file descriptor; a browser opens
// six at most, a proxy in front of many users more, hence a generous share per address.
const (
	defaultIdleTimeout     = 20 * time.Second
	defaultMaxConns        = 2048
	defaultMaxConnsPerHost = 256
)

// newServer builds the engine, metrics, adapters and HTTP routes from cfg; nothing runs yet.
func newServer(cfg *Config, log *slog.Logger) (*server, error) {
	kb, err := knowledge.Open(cfg.Knowledge.TeamNotes)
	if err != nil {
		return nil, fmt.Errorf("loading the knowledge base: %w", err)
	}
	s := &server{cfg: cfg, log: log, health: &bot.Health{}, metrics: metrics.New(), readHeaderTimeout: 5 * time.Second,
		idleTimeout: defaultIdleTimeout, maxConns: defaultMaxConns, maxConnsPerHost: defaultMaxConnsPerHost,
		adapters: map[string]adapter{}, off: map[string]string{}}
	s.metrics.Watch(s.health)
	b := build()
	s.metrics.SetBuildInfo(b.Version, b.Revision, b.GoVersion)
	s.engine = bot.New(kb)
	s.engine.Log = log
	if err := s.openState(); err != nil {
		return nil, err
	}
	s.engine.Observe = func(o bot.Outcome) {
		s.metrics.Observe(o)
		// One line per question: never its text, which may carry hosts or user names.
		log.Info("question", "adapter", o.Platform, "kind", string(o.Kind), "outcome", o.Result,
			"latency_ms", float64(o.Latency.Microseconds())/1000)
	}
	if cfg.Probe.Enabled || cfg.Probe.Web {
		ps := probeSettings(cfg)
		ps.PerUser = s.checkLimiter()
		s.engine.Check = probe.ChatChecker(ps, kb, log)
	}
	if err := s.buildAdapters(); err != nil {
		s.state.Close()
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// run serves until ctx ends, then shuts down gracefully: stop accepting, finish in-flight
// requests within the shutdown timeout, close the adapters' connections.
func (s *server) run(ctx context.Context, ln net.Listener, out io.Writer) error {
	addr := ln.Addr().String()
	// Idle keep-alive connections must not use up the file descriptors: the listener caps
	// them and closes the longest idle to let a new client in (issue 14).
	cl := connlimit.New(ln, s.maxConns, s.maxConnsPerHost)
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.readHeaderTimeout,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       s.idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ConnState:         cl.ConnState,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(out, "ftpbot %s: web reference and playground on http://%s/ — %s\n", versionString(), addr, s.adapterLine())

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(cl); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	for name, a := range s.adapters {
		g.Go(func() error {
			// An adapter that stops with an error costs its own platform, not the server: the
			// web reference and the other platform keep answering, and /readyz and the
			// ftpbot_adapter_state metric show it (adapters retry their platform themselves).
			if err := a.Run(gctx); err != nil && !errors.Is(err, context.Canceled) {
				s.log.Error("adapter stopped", "adapter", name, "error", err)
				s.health.Set(name, bot.StateDisconnected, "stopped: "+err.Error())
			}
			return nil
		})
	}
	g.Go(func() error {
		<-gctx.Done()
		s.log.Info("shutting down", "timeout", s.cfg.Server.ShutdownTimeout.String())
		sctx, cancel := context.WithTimeout(context.Background(), s.cfg.Server.ShutdownTimeout.Duration)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	if s.metricsLn != nil {
		msrv := s.metricsServer()
		fmt.Fprintf(out, "metrics on http://%s/metrics\n", s.metricsLn.Addr())
		g.Go(func() error {
			if err := msrv.Serve(s.metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("metrics: %w", err)
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), s.cfg.Server.ShutdownTimeout.Duration)
			defer cancel()
			return msrv.Shutdown(sctx)
		})
	}
	err := g.Wait()
	s.state.Close()
	if err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// metricsServer serves /metrics alone, for [server] metrics_listen: a scraper's address that
// need not be public.
func (s *server) metricsServer() *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: s.readHeaderTimeout,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       s.idleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// adapterLine says in one line which adapters run and why the others are off.
func (s *server) adapterLine() string {
	var parts []string
	for _, p := range platforms {
		if _, on := s.adapters[p.name]; on {
			_, mode := p.state(s.cfg)
			parts = append(parts, p.name+" on ("+mode+")")
		} else {
			parts = append(parts, p.name+" off ("+s.off[p.name]+")")
		}
	}
	return strings.Join(parts, "; ")
}

// baseURL is the public URL of the web reference, for links in chat answers.
func (s *server) baseURL() string {
	if s.cfg.Server.PublicURL != "" {
		return strings.TrimRight(s.cfg.Server.PublicURL, "/")
	}
	return "http://" + s.cfg.Server.Listen
}

// tuneGC gives a long-running bot a soft memory limit: its live heap is small (knowledge and
// caches, about 10 MB) and its garbage is mostly rendered answers, so the collector may run at
// its usual pace until the Go runtime's memory nears the limit, and then collect and hand memory
// back to the system sooner. That keeps the process under 40 MB resident after 100,000 questions
// (see README, Performance). GOMEMLIMIT or GOGC in the environment still decide.
func tuneGC(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" && getenv("GOGC") == "" {
		debug.SetMemoryLimit(softMemoryLimit)
	}
}

// softMemoryLimit is the Go runtime's share of the 40 MB target: the rest is the binary itself.
const softMemoryLimit = 26 << 20
