//go:build race

package bot_test

// raceEnabled is true under -race, whose instrumentation multiplies what a call allocates: the
// allocation bounds are checked without it.
const raceEnabled = true
