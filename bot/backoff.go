package bot

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff spaces the retries of a connection to a platform that cannot be reached: each wait
// doubles from Initial up to Max, and is drawn between half and all of that ("equal jitter"), so
// replicas that lost the platform at the same moment do not all come back at the same moment.
// Waits are whole milliseconds, so a log line says exactly how long ("retrying in 412ms").
//
//	b := bot.Backoff{Initial: 400 * time.Millisecond, Max: 2 * time.Minute}
//	for err := connect(); err != nil; err = connect() {
//		d := b.Next()
//		log.Warn("connect failed; retrying in "+d.String(), "error", err)
//		if !bot.Sleep(ctx, d) { return }
//	}
//
// The zero value steps from 500ms (a first wait of 250–500ms) up to 2 minutes. Not safe for
// concurrent use: each retry loop has its own.
type Backoff struct {
	Initial, Max time.Duration
	// Rand returns a number in [0, n); math/rand/v2's Int64N when nil (tests fix it).
	Rand    func(n int64) int64
	attempt int
}

// Next returns how long to wait before the next attempt.
func (b *Backoff) Next() time.Duration {
	initial, limit := b.Initial, b.Max
	if initial <= 0 {
		initial = 500 * time.Millisecond
	}
	if limit <= 0 {
		limit = 2 * time.Minute
	}
	d := limit
	if b.attempt < 32 && initial<<b.attempt > 0 && initial<<b.attempt < limit {
		d = initial << b.attempt
	}
	b.attempt++
	half := d.Milliseconds() / 2
	rnd := b.Rand
	if rnd == nil {
		rnd = rand.Int64N
	}
	jitter := int64(0)
	if d.Milliseconds()-half > 0 {
		jitter = rnd(d.Milliseconds() - half + 1)
	}
	return time.Duration(half+jitter) * time.Millisecond
}

// Attempts is how many waits Next has handed out since the last Reset.
func (b *Backoff) Attempts() int { return b.attempt }

// Reset starts again from Initial, after a success.
func (b *Backoff) Reset() { b.attempt = 0 }

// Sleep waits for d or until ctx ends, and reports whether the whole wait passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
