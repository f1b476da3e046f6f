// Package cases derives negative request cases from an operation's
// parameters in the contract: for each path parameter, the malformed values
// its schema rules out (empty, not of its format or pattern, too long, an
// encoded slash, non-ASCII); for each query parameter, a value of the wrong
// type. A parameter added to spec/openapi.yaml brings its own cases without
// new test code.
//
// Cases are known from the document alone (a suite builds its spec tree from
// them before it knows any id); each one derives its value from the valid
// value of its parameter when the spec runs, so that it breaks exactly one
// thing.
package cases

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/nicconform/nicconform/spec"
)

// Kinds of malformed values.
const (
	Empty        = "empty"
	NotFormat    = "not-format"
	TooLong      = "too-long"
	EncodedSlash = "encoded-slash"
	NonASCII     = "non-ascii"
	WrongType    = "wrong-type"
	NotInEnum    = "not-in-enum"
)

// Case is one malformed value for one parameter.
type Case struct {
	// Param is the parameter's name, In its location ("path" or "query").
	Param, In string
	// Kind says what is wrong.
	Kind string

	schema *openapi3.Schema
}

// Name is the case's readable label, e.g. `path server_id: encoded-slash`.
func (c Case) Name() string { return fmt.Sprintf("%s %s: %s", c.In, c.Param, c.Kind) }

// Malformed returns the cases for every path and query parameter of op.
func Malformed(op spec.Operation) ([]Case, error) {
	var out []Case
	for _, ref := range op.Parameters() {
		p := ref.Value
		if p.Schema == nil || p.Schema.Value == nil {
			return nil, fmt.Errorf("cases: parameter %s has no schema", p.Name)
		}
		sch := p.Schema.Value
		mk := func(kind string) Case { return Case{Param: p.Name, In: p.In, Kind: kind, schema: sch} }
		switch p.In {
		case openapi3.ParameterInPath:
			out = append(out, mk(Empty), mk(TooLong), mk(EncodedSlash), mk(NonASCII))
			if sch.Format != "" || sch.Pattern != "" {
				out = append(out, mk(NotFormat))
			}
		case openapi3.ParameterInQuery:
			switch {
			case sch.Type.Is(openapi3.TypeBoolean), sch.Type.Is(openapi3.TypeInteger), sch.Type.Is(openapi3.TypeNumber):
				out = append(out, mk(WrongType))
			case len(sch.Enum) > 0:
				out = append(out, mk(NotInEnum))
			case sch.Format != "" || sch.Pattern != "":
				out = append(out, mk(NotFormat))
			}
		}
	}
	return out, nil
}

// Value derives the case's malformed value from a valid value of its
// parameter (for a query parameter, valid may be empty). It is an error
// when valid does not satisfy the schema, or when the derived value still
// does: such a case would prove nothing.
func (c Case) Value(s *spec.Spec, valid string) (string, error) {
	opts := s.SchemaOptions()
	if c.In == openapi3.ParameterInPath {
		if err := c.schema.VisitJSON(valid, opts...); err != nil {
			return "", fmt.Errorf("cases: %s: the valid value %q fails its schema: %w", c.Name(), valid, err)
		}
	}
	var v string
	switch c.Kind {
	case Empty:
		return "", nil
	case TooLong:
		long := 256
		if c.schema.MaxLength != nil {
			long = int(*c.schema.MaxLength) + 1
		}
		v = valid + strings.Repeat("0", max(long-len(valid), 1))
	case EncodedSlash:
		v = valid[:len(valid)/2] + "/" + valid[len(valid)/2:]
	case NonASCII:
		v = valid[:len(valid)-1] + "é"
	case NotFormat:
		if valid == "" {
			valid = "nicconform-not-" + c.schema.Format
		}
		// Same length as the valid value, so only the format is wrong.
		v = strings.Repeat("z", max(utf8.RuneCountInString(valid), 1))
	case WrongType:
		return "not-a-" + strings.Join(c.schema.Type.Slice(), "-"), nil // cannot decode as a boolean or number
	case NotInEnum:
		v = "nicconform-not-in-enum"
	default:
		return "", fmt.Errorf("cases: unknown kind %q", c.Kind)
	}
	if c.schema.VisitJSON(v, opts...) == nil {
		return "", fmt.Errorf("cases: %s: the derived value %q still satisfies the schema", c.Name(), v)
	}
	return v, nil
}
