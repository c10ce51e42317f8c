package bot

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		name         string
		initial, max time.Duration
		rand         func(n int64) int64
		want         []time.Duration
	}{
		{"least jitter: half of each step", 400 * time.Millisecond, 3 * time.Second, func(int64) int64 { return 0 },
			[]time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1500 * time.Millisecond, 1500 * time.Millisecond, 1500 * time.Millisecond}},
		{"most jitter: the whole step, capped", 400 * time.Millisecond, 3 * time.Second, func(n int64) int64 { return n - 1 },
			[]time.Duration{400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 3 * time.Second, 3 * time.Second}},
		{"zero value", 0, 0, func(int64) int64 { return 0 },
			[]time.Duration{250 * time.Millisecond, 500 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Backoff{Initial: tt.initial, Max: tt.max, Rand: tt.rand}
			var got []time.Duration
			for range tt.want {
				got = append(got, b.Next())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if b.Attempts() != len(tt.want) {
				t.Errorf("Attempts() = %d, want %d", b.Attempts(), len(tt.want))
			}
			b.Reset()
			if d := b.Next(); d != tt.want[0] {
				t.Errorf("after Reset, Next() = %v, want %v", d, tt.want[0])
			}
		})
	}
}

// Real jitter stays within [half, whole] of each step, in whole milliseconds, so the log's
// "retrying in …" is the exact wait.
func TestBackoffJitterBounds(t *testing.T) {
	b := Backoff{Initial: 300 * time.Millisecond, Max: time.Minute}
	step := 300 * time.Millisecond
	for i := 0; i < 20; i++ {
		d := b.Next()
		if d < step/2 || d > step || d%time.Millisecond != 0 {
			t.Fatalf("wait %d = %v, want whole milliseconds in [%v, %v]", i, d, step/2, step)
		}
		step = min(step*2, time.Minute)
	}
	// Far past the cap, no overflow into a zero or negative wait.
	for i := 0; i < 100; i++ {
		if d := b.Next(); d < 30*time.Second || d > time.Minute {
			t.Fatalf("wait after the cap = %v, want within [30s, 1m]", d)
		}
	}
}

func TestSleep(t *testing.T) {
	if !Sleep(context.Background(), time.Millisecond) {
		t.Error("Sleep returned false with a live context")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if Sleep(ctx, time.Hour) || time.Since(start) > time.Second {
		t.Error("Sleep did not return false at once for a cancelled context")
	}
}
