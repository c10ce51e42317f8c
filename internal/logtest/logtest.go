// Package logtest keeps what a component under test logs, safe for the goroutines of the server
// that writes it, so a test can look for (or rule out) a line:
//
//	var logs logtest.Buffer
//	log := slog.New(slog.NewTextHandler(&logs, nil))
//	…
//	if strings.Contains(logs.String(), secret) { t.Error("secret in the logs") }
package logtest

import (
	"bytes"
	"sync"
)

// Buffer is an io.Writer whose writes and reads are serialised. The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
