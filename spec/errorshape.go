package spec

import (
	"fmt"
	"strings"
)

// ErrorShape is the JSON shape of a target's error bodies. Both shapes are
// documented in openapi.yaml (components.schemas.NovaFault and
// HuaweiError; docs/reference.md §2) and accepted by ERROR-SHAPE; the
// reference mock answers in the one it is told to (NICCONFORM_MOCK_ERRORS,
// its -errors flag). It is defined here, once, for both.
type ErrorShape string

const (
	// ErrorsNova is the Nova fault: {"itemNotFound":{"code":404,"message":"…"}}.
	ErrorsNova ErrorShape = "nova"
	// ErrorsHuawei is Huawei's: {"error":{"code":"Ecs.0085","message":"…"}}.
	ErrorsHuawei ErrorShape = "huawei"
)

// ErrorShapes lists every error shape, the default (ErrorsNova) first.
func ErrorShapes() []ErrorShape { return []ErrorShape{ErrorsNova, ErrorsHuawei} }

// ParseErrorShape returns the error shape s names; "" names the default,
// ErrorsNova. Any other name is an error that lists the known ones.
func ParseErrorShape(s string) (ErrorShape, error) {
	if s == "" {
		return ErrorsNova, nil
	}
	return parseName(ErrorShape(s), ErrorShapes(), "error shape")
}

// parseName returns s if it is one of known, else an error such as
// `unknown error shape "xml" (want "nova" or "huawei")`.
func parseName[T ~string](s T, known []T, what string) (T, error) {
	quoted := make([]string, len(known))
	for i, k := range known {
		if s == k {
			return s, nil
		}
		quoted[i] = fmt.Sprintf("%q", string(k))
	}
	return s, fmt.Errorf("unknown %s %q (want %s)", what, string(s), strings.Join(quoted, " or "))
}
