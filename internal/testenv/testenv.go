// Package testenv decides what a test does when something it needs is not on this machine: a
// real FTP server, root, Chromium, Redis. By default it skips, so a developer without them still
// gets a green run of everything else; with RequireEnv set (as .ci/run does) it fails, so CI
// cannot pass by skipping the real parts.
//
//	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
//		testenv.Missing(t, "no Chromium: %v", err)
//	}
package testenv

import (
	"os"
	"testing"
)

// RequireEnv names the environment variable that turns a missing test dependency (a server, root,
// Chromium) from a skip into a failure. .ci/run sets it, so CI cannot pass by skipping the real
// servers; a developer without them still gets a green run of everything else.
const RequireEnv = "FTPBOT_REQUIRE_DEPS"

// Missing skips the test because something it needs is not on this machine, or fails it when
// RequireEnv is set.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf(format+" ("+RequireEnv+" is set, so this fails instead of skipping)", args...)
	}
	t.Skipf(format, args...)
}
