package chatkit

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ftpbot/ftpbot/bot"
)

// WorkerOptions configure a worker pool.
type WorkerOptions struct {
	Max    int    // answers worked on at once; 16 when zero
	Name   string // the adapter's name, in logs
	Log    *slog.Logger
	Health *bot.Health // told about recovered panics
	// OnBusy is told when a job was dropped because every worker stayed busy.
	OnBusy func()
}

// Workers runs answers in the background, a bounded number at once (a semaphore, not a goroutine
// per event without limit). Jobs run under the pool's context, which Shutdown cancels after a
// grace period; a panic in a job is recovered, logged and counted.
type Workers struct {
	o      WorkerOptions
	sem    chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// NewWorkers returns a pool.
func NewWorkers(o WorkerOptions) *Workers {
	if o.Max <= 0 {
		o.Max = 16
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	w := &Workers{o: o, sem: make(chan struct{}, o.Max)}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	return w
}

// Context is the pool's context: cancelled at shutdown.
func (w *Workers) Context() context.Context { return w.ctx }

// add registers a job, or reports false when the pool is shutting down.
func (w *Workers) add() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	w.wg.Add(1)
	return true
}

// Go runs fn in the background once a worker is free; fn's context ends after timeout or at
// shutdown. A job that finds no free worker before its timeout is dropped (logged, OnBusy). Go
// reports false when the pool is shutting down.
func (w *Workers) Go(timeout time.Duration, fn func(ctx context.Context)) bool {
	if !w.add() {
		return false
	}
	go func() {
		defer w.wg.Done()
		ctx, cancel := context.WithTimeout(w.ctx, timeout)
		defer cancel()
		select {
		case w.sem <- struct{}{}:
		case <-ctx.Done():
			w.busy()
			return
		}
		defer func() { <-w.sem }()
		w.run(ctx, fn)
	}()
	return true
}

// TryGo runs fn in the background only if a worker is free now, and reports whether it did:
// for events that must be answered at once or not at all (a platform's interaction that has to
// be acknowledged in three seconds gets a "busy" reply instead).
func (w *Workers) TryGo(timeout time.Duration, fn func(ctx context.Context)) bool {
	select {
	case w.sem <- struct{}{}:
	default:
		return false
	}
	if !w.add() {
		<-w.sem
		return false
	}
	go func() {
		defer w.wg.Done()
		defer func() { <-w.sem }()
		ctx, cancel := context.WithTimeout(w.ctx, timeout)
		defer cancel()
		w.run(ctx, fn)
	}()
	return true
}

func (w *Workers) run(ctx context.Context, fn func(ctx context.Context)) {
	defer bot.Recover(w.o.Log, w.o.Health, w.o.Name+": answering", nil)
	fn(ctx)
}

func (w *Workers) busy() {
	w.o.Log.Warn(w.o.Name+": too busy; an answer was dropped", "max_concurrent", w.o.Max)
	if w.o.OnBusy != nil {
		w.o.OnBusy()
	}
}

// Shutdown stops new jobs, lets the running ones finish for up to drain, then cancels them and
// waits for them to return.
func (w *Workers) Shutdown(drain time.Duration) {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	t := time.NewTimer(drain)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
	w.cancel()
	<-done
}

// Wait waits for the jobs started so far to return, without stopping the pool.
func (w *Workers) Wait() { w.wg.Wait() }
