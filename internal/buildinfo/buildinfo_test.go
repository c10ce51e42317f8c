package buildinfo

import (
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFromBuildInfo(t *testing.T) {
	recorded := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/ftpbot/ftpbot", Version: "v1.2.0"},
		Settings: []debug.BuildSetting{
			{Key: "-trimpath", Value: "true"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-11-30T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	devel := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/ftpbot/ftpbot", Version: "(devel)"}}
	tests := []struct {
		name  string
		bi    *debug.BuildInfo
		stamp Stamp
		want  Info
	}{
		{"recorded by the toolchain", recorded, Stamp{},
			Info{Version: "v1.2.0", Module: "github.com/ftpbot/ftpbot", Revision: "0123456789abcdef0123456789abcdef01234567",
				Time: "2026-11-30T10:00:00Z", Modified: true, GoVersion: "go1.26.8"}},
		{"stamped version wins", recorded, Stamp{Version: "v1.3.0-rc1"},
			Info{Version: "v1.3.0-rc1", Module: "github.com/ftpbot/ftpbot", Revision: "0123456789abcdef0123456789abcdef01234567",
				Time: "2026-11-30T10:00:00Z", Modified: true, GoVersion: "go1.26.8"}},
		{"stamped revision drops the recorded time", recorded, Stamp{Version: "v1.3.0", Revision: "fedcba9876543210"},
			Info{Version: "v1.3.0", Module: "github.com/ftpbot/ftpbot", Revision: "fedcba9876543210", GoVersion: "go1.26.8"}},
		{"same revision keeps the time", recorded, Stamp{Revision: "0123456789abcdef0123456789abcdef01234567"},
			Info{Version: "v1.2.0", Module: "github.com/ftpbot/ftpbot", Revision: "0123456789abcdef0123456789abcdef01234567",
				Time: "2026-11-30T10:00:00Z", Modified: true, GoVersion: "go1.26.8"}},
		{"devel without VCS", devel, Stamp{}, Info{Version: "devel", Module: "github.com/ftpbot/ftpbot", GoVersion: "go1.26.8"}},
		{"all stamped, as the Dockerfile does", devel, Stamp{Version: "v1.4.0", Revision: "abc", Time: "2026-12-01T09:00:00Z"},
			Info{Version: "v1.4.0", Module: "github.com/ftpbot/ftpbot", Revision: "abc", Time: "2026-12-01T09:00:00Z", GoVersion: "go1.26.8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromBuildInfo(tt.bi, tt.stamp)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fromBuildInfo(%+v) mismatch (-want +got):\n%s", tt.stamp, diff)
			}
		})
	}
}

func TestNoBuildInfo(t *testing.T) {
	got := fromBuildInfo(nil, Stamp{})
	if got.Version != "devel" || got.GoVersion == "" {
		t.Errorf("fromBuildInfo(nil) = %+v, want version devel and the running Go version", got)
	}
}

func TestShort(t *testing.T) {
	for rev, want := range map[string]string{"": "", "abc": "abc", "0123456789abcdef0123": "0123456789ab"} {
		if got := (Info{Revision: rev}).Short(); got != want {
			t.Errorf("Info{Revision: %q}.Short() = %q, want %q", rev, got, want)
		}
	}
}
