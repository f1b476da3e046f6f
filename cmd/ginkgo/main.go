// Command ginkgo is the Ginkgo CLI of the version go.mod pins
// (github.com/onsi/ginkgo/v2/ginkgo, the same commands and flags), which
// `make build` puts in bin/ for runners without Go, with one addition: a
// SIGINT or SIGTERM the CLI gets is passed on to the processes it started
// (the suite's parallel processes, a compiler). The stock CLI keeps such a
// signal to itself while a suite runs, so a CI job cancelled with SIGTERM
// leaves the suite running against the target for as long as it takes
// (issue 11); passed on, each suite process undoes what it changed and
// reports, and the CLI ends with them.
//
// A terminal's Ctrl-C already reaches every process of the foreground
// process group, so a SIGINT is not passed on while the CLI is in the
// terminal's foreground group; nor is any signal when NICCONFORM_SIGNALS is
// "group" (`nicconform run` sets it: it signals the whole process group
// itself). A suite process that gets a second signal skips Ginkgo's cleanup
// nodes, but not nicconform's own undo (internal/fixtures).
package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/onsi/ginkgo/v2/ginkgo/build"
	"github.com/onsi/ginkgo/v2/ginkgo/command"
	"github.com/onsi/ginkgo/v2/ginkgo/generators"
	"github.com/onsi/ginkgo/v2/ginkgo/labels"
	"github.com/onsi/ginkgo/v2/ginkgo/outline"
	"github.com/onsi/ginkgo/v2/ginkgo/run"
	"github.com/onsi/ginkgo/v2/ginkgo/unfocus"
	"github.com/onsi/ginkgo/v2/ginkgo/watch"
	"github.com/onsi/ginkgo/v2/types"
)

func main() {
	if os.Getenv("NICCONFORM_SIGNALS") != "group" {
		passSignalsOn()
	}
	program := command.Program{
		Name:           "ginkgo",
		Heading:        fmt.Sprintf("Ginkgo Version %s", types.VERSION),
		Commands:       commands(),
		DefaultCommand: run.BuildRunCommand(),
		DeprecatedCommands: []command.DeprecatedCommand{
			{Name: "convert", Deprecation: types.Deprecations.Convert()},
			{Name: "blur", Deprecation: types.Deprecations.Blur()},
			{Name: "nodot", Deprecation: types.Deprecations.Nodot()},
		},
	}
	program.Commands = append(program.Commands, program.BuildCompletionCommand())
	program.RunAndExit(os.Args)
}

// commands are the stock CLI's (github.com/onsi/ginkgo/v2/ginkgo/main.go).
func commands() []command.Command {
	return []command.Command{
		watch.BuildWatchCommand(),
		build.BuildBuildCommand(),
		generators.BuildBootstrapCommand(),
		generators.BuildGenerateCommand(),
		labels.BuildLabelsCommand(),
		outline.BuildOutlineCommand(),
		unfocus.BuildUnfocusCommand(),
		{
			Name:     "version",
			Usage:    "ginkgo version",
			ShortDoc: "Print Ginkgo's version",
			Command:  func(_ []string, _ []string) { fmt.Printf("Ginkgo Version %s\n", types.VERSION) },
		},
	}
}

// passSignalsOn passes each SIGINT and SIGTERM on to the CLI's child
// processes (the CLI's own handler sees them too), but for a SIGINT a
// terminal sent to the whole foreground group.
func passSignalsOn() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for sig := range sigs {
			if sig == os.Interrupt && inForeground() {
				continue
			}
			for _, pid := range children(os.Getpid()) {
				_ = syscall.Kill(pid, sig.(syscall.Signal))
			}
		}
	}()
}

// inForeground reports whether this process is in the foreground process
// group of the terminal on stdin, stdout or stderr.
func inForeground() bool {
	self := syscall.Getpgrp()
	for fd := 0; fd <= 2; fd++ {
		var pgrp int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), uintptr(syscall.TIOCGPGRP), uintptr(unsafe.Pointer(&pgrp))); errno == 0 && int(pgrp) == self {
			return true
		}
	}
	return false
}

// children lists the processes whose parent is pid (from /proc; none where
// there is no /proc).
func children(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:])
		if len(fields) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(fields[1]); err == nil && ppid == pid {
			if child, err := strconv.Atoi(filepath.Base(filepath.Dir(path))); err == nil {
				out = append(out, child)
			}
		}
	}
	return out
}
