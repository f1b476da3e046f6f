// Package spec is nicconform's contract: it embeds openapi.yaml (the detach
// operation, its neighbour calls, the error shapes and the rule catalog),
// loads and validates it once, and exposes the document, a path-only router,
// the schema options every validation must use, and the rule catalog.
package spec

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

//go:embed openapi.yaml
var source []byte

// DetachOperationID is the operationId of the operation under test.
const DetachOperationID = "detachInterface"

// uuidPattern accepts any UUID layout (clouds do not all issue RFC 4122
// versions), in either case.
const uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

// Spec is a loaded, validated contract.
type Spec struct {
	// Doc is the parsed document. Treat it as read-only: the router and the
	// rule catalog were built from it.
	Doc *openapi3.T

	router routers.Router
	rules  []Rule
	// preconditions are the detach operation's x-preconditions.
	preconditions Preconditions
	byID          map[string]Rule
	ops           map[string]Operation
	opts          []openapi3.SchemaValidationOption
}

// Operation is one operation of the document, found by its operationId.
type Operation struct {
	ID        string
	Method    string
	Path      string
	PathItem  *openapi3.PathItem
	Operation *openapi3.Operation
}

// Parameters returns the operation's parameters, path-level ones first,
// overridden by operation-level ones of the same name and location.
func (o Operation) Parameters() openapi3.Parameters {
	var out openapi3.Parameters
	seen := map[string]int{}
	add := func(ps openapi3.Parameters) {
		for _, p := range ps {
			if p == nil || p.Value == nil {
				continue
			}
			key := p.Value.In + "/" + p.Value.Name
			if i, ok := seen[key]; ok {
				out[i] = p
				continue
			}
			seen[key] = len(out)
			out = append(out, p)
		}
	}
	add(o.PathItem.Parameters)
	add(o.Operation.Parameters)
	return out
}

var embedded = sync.OnceValues(func() (*Spec, error) { return Parse(source) })

// Load returns the embedded contract, parsed and validated on first use.
func Load() (*Spec, error) { return embedded() }

// SHA256 is the hex SHA-256 of the embedded openapi.yaml: which contract a
// run judged by (the reports carry it; `nicconform diff` compares it).
func SHA256() string {
	sum := sha256.Sum256(source)
	return hex.EncodeToString(sum[:])
}

// Source returns a copy of the embedded openapi.yaml.
func Source() []byte { return append([]byte(nil), source...) }

// Parse loads and validates a contract document (the embedded one, or a
// test's variant of it) and builds its router and rule catalog.
func Parse(data []byte) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("spec: parse: %w", err)
	}
	s := &Spec{
		Doc: doc,
		opts: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(uuidPattern)),
		},
	}
	// Format validation is on: every format the document names must have a
	// validator (uuid is ours; the others are kin-openapi's built-ins).
	ctx := openapi3.WithValidationOptions(context.Background(), openapi3.EnableSchemaFormatValidation())
	if err := doc.Validate(ctx, openapi3.EnableSchemaFormatValidation()); err != nil {
		return nil, fmt.Errorf("spec: validate: %w", err)
	}
	if err := s.checkFormats(); err != nil {
		return nil, err
	}
	// Route on the path alone: a target on 127.0.0.1 and one on a cloud host
	// must both route, so the router sees a copy without servers.
	pathOnly := *doc
	pathOnly.Servers = nil
	if s.router, err = legacy.NewRouter(&pathOnly); err != nil {
		return nil, fmt.Errorf("spec: router: %w", err)
	}
	s.ops = map[string]Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				return nil, fmt.Errorf("spec: %s %s has no operationId", method, path)
			}
			if _, dup := s.ops[op.OperationID]; dup {
				return nil, fmt.Errorf("spec: operationId %q is used twice", op.OperationID)
			}
			s.ops[op.OperationID] = Operation{ID: op.OperationID, Method: method, Path: path, PathItem: item, Operation: op}
		}
	}
	detach, ok := s.ops[DetachOperationID]
	if !ok {
		return nil, fmt.Errorf("spec: no operation %q", DetachOperationID)
	}
	if s.preconditions, err = parsePreconditions(detach.Operation.Extensions["x-preconditions"]); err != nil {
		return nil, err
	}
	if s.rules, err = parseRules(detach.Operation.Extensions["x-rules"], s.preconditions); err != nil {
		return nil, err
	}
	if err := s.fillShippedExpectations(); err != nil {
		return nil, err
	}
	s.byID = make(map[string]Rule, len(s.rules))
	for _, r := range s.rules {
		s.byID[r.ID] = r
	}
	return s, nil
}

// checkFormats rejects a document naming a string format nothing validates:
// kin-openapi would silently accept any value for it.
func (s *Spec) checkFormats() error {
	known := map[string]bool{"uuid": true}
	for name := range openapi3.SchemaStringFormats {
		known[name] = true
	}
	var bad []string
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		v := ref.Value
		seen[v] = true
		if v.Type.Is(openapi3.TypeString) && v.Format != "" && !known[v.Format] {
			bad = append(bad, v.Format)
		}
		for _, p := range v.Properties {
			walk(p)
		}
		walk(v.Items)
		if v.AdditionalProperties.Schema != nil {
			walk(v.AdditionalProperties.Schema)
		}
		for _, group := range []openapi3.SchemaRefs{v.OneOf, v.AnyOf, v.AllOf} {
			for _, c := range group {
				walk(c)
			}
		}
		walk(v.Not)
	}
	for _, sch := range s.Doc.Components.Schemas {
		walk(sch)
	}
	for _, p := range s.Doc.Components.Parameters {
		if p.Value != nil {
			walk(p.Value.Schema)
		}
	}
	for _, item := range s.Doc.Paths.Map() {
		for _, p := range item.Parameters {
			if p.Value != nil {
				walk(p.Value.Schema)
			}
		}
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value != nil {
					walk(p.Value.Schema)
				}
			}
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("spec: no validator for string format(s) %v", bad)
	}
	return nil
}

// SchemaOptions returns the options every schema validation against this
// document must use (the uuid format validator, scoped to this document).
func (s *Spec) SchemaOptions() []openapi3.SchemaValidationOption {
	return append([]openapi3.SchemaValidationOption(nil), s.opts...)
}

// Route finds the operation of a request by its method and path alone.
// Path parameters come back as they appear in the escaped path: a segment
// holding an encoded slash stays one segment.
func (s *Spec) Route(req *http.Request) (*routers.Route, map[string]string, error) {
	u := *req.URL
	u.Path = req.URL.EscapedPath()
	u.RawPath = ""
	r := req.Clone(req.Context())
	r.URL = &u
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		return nil, nil, fmt.Errorf("spec: route %s %s: %w", req.Method, u.Path, err)
	}
	return route, params, nil
}

// Operation returns the operation with the given operationId.
func (s *Spec) Operation(id string) (Operation, bool) {
	op, ok := s.ops[id]
	return op, ok
}

// Detach returns the operation under test.
func (s *Spec) Detach() Operation { return s.ops[DetachOperationID] }

// Operations returns every operation, sorted by operationId.
func (s *Spec) Operations() []Operation {
	out := make([]Operation, 0, len(s.ops))
	for _, op := range s.ops {
		out = append(out, op)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// fillShippedExpectations loads the shipped profiles (each validated
// against the catalog) into each rule's Expect, by profile name.
func (s *Spec) fillShippedExpectations() error {
	s.byID = make(map[string]Rule, len(s.rules))
	for _, r := range s.rules {
		s.byID[r.ID] = r
	}
	for _, name := range ShippedProfiles() {
		p, err := s.LoadProfile(name)
		if err != nil {
			return fmt.Errorf("spec: shipped %w", err)
		}
		for i := range s.rules {
			if s.rules[i].Expect == nil {
				s.rules[i].Expect = map[string]Expectation{}
			}
			if e, ok := p.Rules[s.rules[i].ID]; ok {
				s.rules[i].Expect[name] = e
			}
		}
	}
	return nil
}

// Preconditions returns what the rules may need besides their statements
// (the detach operation's x-preconditions), by id.
func (s *Spec) Preconditions() Preconditions { return s.preconditions }

// Dependants returns, in catalog order, the ids of the rules that need the
// precondition.
func (s *Spec) Dependants(precondition string) []string {
	var out []string
	for _, r := range s.rules {
		for _, n := range r.Needs {
			if n == precondition {
				out = append(out, r.ID)
				break
			}
		}
	}
	return out
}

// Rules returns the rule catalog in document order.
func (s *Spec) Rules() []Rule { return append([]Rule(nil), s.rules...) }

// Rule returns the catalog rule with the given id.
func (s *Spec) Rule(id string) (Rule, bool) {
	r, ok := s.byID[id]
	return r, ok
}

// ValidateErrorBody checks a decoded JSON value against the ErrorBody schema
// (Nova fault, Huawei error or Neutron error).
func (s *Spec) ValidateErrorBody(value any) error {
	ref := s.Doc.Components.Schemas["ErrorBody"]
	if ref == nil || ref.Value == nil {
		return errors.New("spec: no ErrorBody schema")
	}
	return ref.Value.VisitJSON(value, append(s.SchemaOptions(), openapi3.VisitAsResponse())...)
}
