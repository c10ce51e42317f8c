package main

import (
	"fmt"
	"strings"

	"github.com/ftpbot/ftpbot/internal/buildinfo"
)

// version, revision and revisionTime are stamped at link time, as the Dockerfile does:
//
//	go build -ldflags "-X main.version=v1.4.0 -X main.revision=$(git rev-parse HEAD) -X main.revisionTime=$(git log -1 --format=%cI)" ./cmd/ftpbot
//
// Unset, the module version and VCS information the Go toolchain recorded are used.
var version, revision, revisionTime string

// build is the running binary's identity (see internal/buildinfo).
func build() buildinfo.Info {
	return buildinfo.Read(buildinfo.Stamp{Version: version, Revision: revision, Time: revisionTime})
}

// versionString is the version alone, for the start-up line.
func versionString() string { return build().Version }

// version prints `ftpbot version`: the version on the first line (what scripts read), then the
// module, VCS revision and time, and the Go version.
func (ev env) version(args []string) error {
	if len(args) > 0 {
		return usageErr("ftpbot version: no arguments expected, got %q", strings.Join(args, " "))
	}
	b := build()
	fmt.Fprintln(ev.stdout, "ftpbot", b.Version)
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(ev.stdout, "  %-9s %s\n", name, value)
		}
	}
	field("module", b.Module)
	rev := b.Revision
	if rev != "" && b.Modified {
		rev += " (modified)"
	}
	field("revision", rev)
	field("time", b.Time)
	field("go", b.GoVersion)
	return nil
}
