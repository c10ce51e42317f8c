package bot

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"
)

// Adapter connection states, as /readyz and the metrics report them.
const (
	StateOff          = "off"          // not enabled, or missing what it needs (Reason says which)
	StateConnecting   = "connecting"   // starting or reconnecting
	StateConnected    = "connected"    // a live connection (Socket Mode, gateway)
	StateListening    = "listening"    // HTTP mode: ready to receive requests on the server
	StateDisconnected = "disconnected" // lost; the adapter is retrying
)

// AdapterState is one adapter's health.
type AdapterState struct {
	State      string    `json:"state"`
	Reason     string    `json:"reason,omitempty"`
	Since      time.Time `json:"since"`
	Reconnects int       `json:"reconnects"`
	// Commands says where registering the adapter's commands with its platform stands, for
	// adapters that register them (Discord): "registering", "registered", "retrying in 1.6s: …",
	// "failed: …" or "skipped: …". Empty for the others.
	Commands string `json:"commands,omitempty"`
}

// Health tracks the adapters' connection states for /readyz and metrics. Adapters call Set and
// Reconnected; it is safe for concurrent use. OnChange and OnReconnect, when set before use, are
// called with each change (the metrics package listens there).
type Health struct {
	OnChange    func(adapter, state string)
	OnReconnect func(adapter string)
	OnPanic     func(where string) // a handler panicked and was recovered (see Recover)
	OnStore     func(StoreHealth)  // the shared state's health changed (see SetStore)

	mu     sync.Mutex
	states map[string]AdapterState
	store  StoreHealth
	now    func() time.Time
}

// Set records an adapter's state, with a reason people can act on when it is off or down.
func (h *Health) Set(adapter, state, reason string) {
	if h == nil {
		return
	}
	h.mu.Lock()
	if h.states == nil {
		h.states = map[string]AdapterState{}
	}
	prev := h.states[adapter]
	st := AdapterState{State: state, Reason: reason, Since: h.time(), Reconnects: prev.Reconnects, Commands: prev.Commands}
	if prev.State == state {
		st.Since = prev.Since
	}
	h.states[adapter] = st
	h.mu.Unlock()
	if h.OnChange != nil {
		h.OnChange(adapter, state)
	}
}

// SetCommands records where the adapter's command registration stands (see AdapterState.Commands).
func (h *Health) SetCommands(adapter, status string) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.states == nil {
		h.states = map[string]AdapterState{}
	}
	st := h.states[adapter]
	st.Commands = status
	h.states[adapter] = st
}

// Reconnected counts a reconnect of an adapter's connection.
func (h *Health) Reconnected(adapter string) {
	if h == nil {
		return
	}
	h.mu.Lock()
	if h.states == nil {
		h.states = map[string]AdapterState{}
	}
	st := h.states[adapter]
	st.Reconnects++
	h.states[adapter] = st
	h.mu.Unlock()
	if h.OnReconnect != nil {
		h.OnReconnect(adapter)
	}
}

// Recover is deferred by every goroutine and handler that answers users outside the engine (which
// recovers its own): a panic there is logged with its stack, counted through h.OnPanic, and then
// polite, when given, tells the user something went wrong instead of leaving them waiting.
// http.ErrAbortHandler is net/http's deliberate abort and is passed on.
func Recover(log *slog.Logger, h *Health, where string, polite func()) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	if log != nil {
		log.Error("panic recovered", "where", where, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
	if h != nil && h.OnPanic != nil {
		h.OnPanic(where)
	}
	if polite != nil {
		polite()
	}
}

// PoliteError is what a user sees when ftpbot itself failed.
const PoliteError = "Sorry, something went wrong on ftpbot's side while answering that. Please try again; if it keeps happening, tell whoever runs ftpbot."

// Snapshot returns every adapter's state.
func (h *Health) Snapshot() map[string]AdapterState {
	out := map[string]AdapterState{}
	if h == nil {
		return out
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, v := range h.states {
		out[k] = v
	}
	return out
}

func (h *Health) time() time.Time {
	if h.now != nil {
		return h.now()
	}
	return time.Now()
}
