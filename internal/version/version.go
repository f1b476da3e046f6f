// Package version says which nicconform ran: the version `make build`
// stamps into the binaries (-ldflags "-X
// github.com/nicconform/nicconform/internal/version.stamp=v1.2.3"), else
// what the Go toolchain recorded (runtime/debug.ReadBuildInfo: the module
// version of a `go install …@v1.2.3`, or the VCS revision of a build in a
// checkout), else "devel".
package version

import (
	"runtime/debug"
)

// stamp is set at link time by make build; it is never written at run time.
var stamp string

// String returns the tool's version: the stamped one, the module version,
// "devel+<12-hex revision>[-dirty]" from the VCS, or "devel".
func String() string {
	if stamp != "" {
		return stamp
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return fromBuildInfo(info)
}

func fromBuildInfo(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return "devel"
	}
	return "devel+" + rev[:min(12, len(rev))] + dirty
}
