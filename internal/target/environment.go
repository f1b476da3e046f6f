package target

import (
	"errors"
	"maps"
	"os"
	"slices"
	"sync"

	"github.com/nicconform/nicconform/internal/config"
)

// ConfigError is Environment's error: the configuration has problems, each
// naming its variables and none showing a secret (docs/design.md, "The
// target contract").
type ConfigError struct {
	Problems []error
}

func (e *ConfigError) Error() string { return "config: " + errors.Join(e.Problems...).Error() }

func (e *ConfigError) Unwrap() []error { return e.Problems }

// environment resolves the process's variables, once.
var environment = sync.OnceValues(func() (config.Settings, error) {
	s, problems := config.Diagnose(os.LookupEnv)
	problems = append(problems, config.Strays(os.Environ())...)
	if len(problems) > 0 {
		return s, &ConfigError{Problems: problems}
	}
	return s, nil
})

// Environment returns this process's configuration: its environment
// variables resolved by config.Diagnose on the first call, and the same
// settings on every later one (a copy each time). It is the one reading a
// process makes, so the suite's containers, its set-up and its reports, or
// a command and its flags' defaults, all see one configuration (and one
// default run id). With problems it returns what did resolve (ReportDir
// always does, so a run that cannot start can still say why in its
// reports) and a *ConfigError listing them.
func Environment() (config.Settings, error) {
	s, err := environment()
	s.Sources = maps.Clone(s.Sources)
	s.MockDeviations = slices.Clone(s.MockDeviations)
	return s, err
}
