// Package buildinfo says which build of ftpbot is running: the version, VCS revision and its time
// stamped at link time (-ldflags "-X main.version=… -X main.revision=… -X main.revisionTime=…",
// as the Dockerfile does) or, when nothing was stamped, what the Go toolchain recorded in the
// binary (the module version, vcs.revision, vcs.time and vcs.modified of
// runtime/debug.ReadBuildInfo).
//
//	info := buildinfo.Read(buildinfo.Stamp{Version: version, Revision: revision})
//	fmt.Println(info.Version, info.Revision)
//
// `ftpbot version`, /readyz and the ftpbot_build_info metric all show the same Info.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Info is one build's identity. Empty fields are unknown (a binary built without VCS
// information, for example from a source tree without .git).
type Info struct {
	Version   string `json:"version"`            // "v1.4.0", a pseudo-version, or "devel"
	Module    string `json:"module,omitempty"`   // the main module's path
	Revision  string `json:"revision,omitempty"` // the VCS commit
	Time      string `json:"time,omitempty"`     // the commit's time, RFC 3339
	Modified  bool   `json:"modified,omitempty"` // built from a tree with uncommitted changes
	GoVersion string `json:"go"`                 // the toolchain that built it
}

// Stamp is what was set with -X at link time; empty fields were not set. The Dockerfile stamps
// all three, since its source tree has no .git for the toolchain to read.
type Stamp struct {
	Version, Revision, Time string
}

// Read returns the build's identity. The stamped values win over what the toolchain recorded.
func Read(stamp Stamp) Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return fromBuildInfo(bi, stamp)
}

// fromBuildInfo is Read with the build info given, so tests can feed it.
func fromBuildInfo(bi *debug.BuildInfo, stamp Stamp) Info {
	info := Info{Version: "devel", GoVersion: runtime.Version()}
	if bi != nil {
		info.Module = bi.Main.Path
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			info.Version = v
		}
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if stamp.Version != "" {
		info.Version = stamp.Version
	}
	if stamp.Revision != "" && stamp.Revision != info.Revision {
		// The recorded time and modified flag belong to the recorded revision, not this one.
		info.Revision, info.Time, info.Modified = stamp.Revision, "", false
	}
	if stamp.Time != "" {
		info.Time = stamp.Time
	}
	return info
}

// Short is the revision cut to 12 characters, as people quote commits.
func (i Info) Short() string {
	if len(i.Revision) > 12 {
		return i.Revision[:12]
	}
	return i.Revision
}
