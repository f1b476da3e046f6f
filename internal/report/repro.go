package report

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/spec"
)

// Reproduction is how a person reproduces a failed or errored rule by hand:
// the exchanges that show the break as curl commands, in the run's order,
// over variables for the target and the ids (Vars) and the credential
// ($OS_TOKEN, or an AK/SK signature: Signing), never a secret; the state
// they need (State); and the one command that re-runs the rule alone
// (Rerun).
type Reproduction struct {
	// State says, in a sentence, what the commands need on the target.
	State string `json:"state"`
	// Vars are the shell variables the steps use, with the run's values:
	// TARGET (the scheme and host), PROJECT, SERVER…, PORT….
	Vars []ReproVar `json:"vars"`
	// Steps are the requests, in the run's order.
	Steps []ReproStep `json:"steps"`
	// Signing, for a run that signed with AK/SK, says how to sign each step.
	Signing string `json:"signing,omitempty"`
	// Rerun re-runs this rule: alone, or, for a rule judged on exchanges
	// other rules' specs make (SPEC-CONFORMANT, REQUEST-ID, ERROR-SHAPE),
	// with the rules whose specs made the steps' exchanges, which alone
	// would not be sent.
	Rerun string `json:"rerun"`
	// Rules are the rules Rerun runs (nicconform run -rerun-failed runs
	// them too).
	Rules []string `json:"rules"`
	// seqs are the steps' exchanges (Exchange.Seq), for Rules.
	seqs []int
}

// ReproVar is one shell variable of a reproduction.
type ReproVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	What  string `json:"what"`
}

// ReproStep is one request of a reproduction: its method, URL, headers
// and body over the reproduction's variables (${NAME}, expanded by a
// shell or os.Expand), the status the run got, and the curl command.
type ReproStep struct {
	Method  string   `json:"method"`
	URL     string   `json:"url"`
	Headers []string `json:"headers,omitempty"` // "Name: value"
	Body    string   `json:"body,omitempty"`
	// Got is the status the run got (0: no answer).
	Got  int    `json:"got"`
	Curl string `json:"curl"`
	// Sign, for a step the run signed with AK/SK, sets the signature's
	// variables just before the curl (`nicconform sign`).
	Sign string `json:"sign,omitempty"`
}

// Credential variables of a reproduction's steps.
const (
	TokenVar   = "OS_TOKEN"
	SDKDateVar = "SDK_DATE"
	SDKAuthVar = "SDK_AUTHORIZATION"
)

// maxReproSteps bounds a reproduction's steps.
const maxReproSteps = 8

// reproduce builds the reproduction of a failed or errored verdict from
// the run's exchanges: the exchanges its reason names and its evidence's
// exchanges aimed at the detach, else its first evidence; nil when the
// rule has no exchange to show (a setup error).
func reproduce(rule spec.Rule, pre spec.Preconditions, v Verdict, exchanges []*client.Exchange) *Reproduction {
	byEvidence := map[string]*client.Exchange{}
	for _, e := range exchanges {
		if e.Status != 0 {
			if _, ok := byEvidence[Evidence(e)]; !ok {
				byEvidence[Evidence(e)] = e
			}
		}
	}
	// The exchanges the reason cites come first (they show the break),
	// then those aimed at the detach, then, when there are neither, the
	// first of the rest; at most maxReproSteps, in the run's order.
	var cited, subject, rest []*client.Exchange
	for _, id := range v.Evidence {
		e := byEvidence[id]
		switch {
		case e == nil:
		case (e.RequestID != "" && strings.Contains(v.Reason, e.RequestID)) || strings.Contains(v.Reason, fmt.Sprintf("exchange #%d ", e.Seq)):
			cited = append(cited, e)
		case e.Subject:
			subject = append(subject, e)
		default:
			rest = append(rest, e)
		}
	}
	picked := append(cited, subject...)
	if len(picked) == 0 {
		picked = rest[:min(len(rest), 3)]
	}
	if len(picked) == 0 {
		return nil
	}
	picked = picked[:min(len(picked), maxReproSteps)]
	sort.SliceStable(picked, func(i, j int) bool { return picked[i].Seq < picked[j].Seq })

	r := &Reproduction{Rerun: "nicconform run -label-filter=" + rule.ID, Rules: []string{rule.ID}}
	shows := cited // the exchanges whose makers a re-run needs (withSources)
	if len(shows) == 0 {
		shows = picked
	}
	for _, e := range shows {
		r.seqs = append(r.seqs, e.Seq)
	}
	vars := newVarNames(picked)
	r.Vars = vars.list
	expand := map[string]bool{TokenVar: true, SDKDateVar: true, SDKAuthVar: true} // what dq leaves to the shell
	for _, x := range vars.list {
		expand[x.Name] = true
	}
	aksk := false
	for _, e := range picked {
		step := ReproStep{Method: e.Method, URL: vars.sub(e.URL), Got: e.Status}
		for _, h := range sortedHeaders(e.RequestHeader) {
			name, value, _ := strings.Cut(h, ": ")
			switch {
			case strings.EqualFold(name, "X-Auth-Token") || strings.EqualFold(name, "X-Subject-Token"):
				value = "${" + TokenVar + "}"
				if strings.Contains(e.Owner+e.Note, "AUTH-INVALID") {
					value = "not-${" + TokenVar + "}" // a wrong credential of the same kind
				}
			case strings.EqualFold(name, "Authorization") && value == client.Redacted:
				aksk, value = true, "${"+SDKAuthVar+"}"
			case strings.EqualFold(name, "X-Sdk-Date"):
				aksk, value = true, "${"+SDKDateVar+"}"
			case value == client.Redacted:
				v := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
				expand[v] = true
				value = "${" + v + "}"
			case strings.EqualFold(name, "User-Agent") || strings.EqualFold(name, "Content-Length") || strings.EqualFold(name, "Accept-Encoding"):
				continue
			}
			step.Headers = append(step.Headers, name+": "+vars.sub(value))
		}
		step.Body = vars.sub(string(e.RequestBody))
		step.Curl = curl(step, expand)
		if e.RequestHeader.Get("Authorization") == client.Redacted {
			step.Sign = signLine(step, expand)
		}
		r.Steps = append(r.Steps, step)
	}
	if aksk {
		r.Signing = fmt.Sprintf("the run signed with AK/SK: each step's `nicconform sign` line signs it with the configured keys (HW_ACCESS_KEY, HW_SECRET_KEY) as Huawei's SDKs do and sets $%s and $%s for its curl; sign just before sending", SDKDateVar, SDKAuthVar)
	}
	var needs []string
	for _, n := range rule.Needs {
		if d := pre[n]; d != "" {
			needs = append(needs, d)
		}
	}
	r.State = fmt.Sprintf("what the rule's statement names (%q)", rule.Statement)
	if len(needs) > 0 {
		r.State += ", with " + strings.Join(needs, "; ")
	}
	r.State += fmt.Sprintf("; the ids are the run's (%s), and the run undid what it made: point each variable at an object in that state first", vars.names())
	return r
}

// varNames turns the target and the ids of a reproduction's URLs into
// shell variables.
type varNames struct {
	list  []ReproVar
	order []string // values, longest first, for substitution
}

var (
	projectSeg = regexp.MustCompile(`/v2\.1/([0-9a-f]{32})(?:/|$)`)
	serverSeg  = regexp.MustCompile(`/servers/([0-9a-f-]{36})(?:/|$)`)
	portSeg    = regexp.MustCompile(`/(?:os-interface|ports)/([0-9a-f-]{36})(?:[/?]|$)`)
)

func newVarNames(picked []*client.Exchange) *varNames {
	v := &varNames{}
	seen := map[string]bool{}
	count := map[string]int{}
	add := func(base, value, what string) {
		if value == "" || seen[value] {
			return
		}
		seen[value] = true
		count[base]++
		name := base
		if count[base] > 1 {
			name = fmt.Sprintf("%s%d", base, count[base])
		}
		v.list = append(v.list, ReproVar{Name: name, Value: value, What: what})
	}
	for _, e := range picked {
		if u, err := url.Parse(e.URL); err == nil && u.Host != "" {
			add("TARGET", u.Scheme+"://"+u.Host, "the target's scheme and host")
		}
	}
	for _, e := range picked {
		for _, re := range []struct {
			rx         *regexp.Regexp
			base, what string
		}{{projectSeg, "PROJECT", "the project"}, {serverSeg, "SERVER", "a server"}, {portSeg, "PORT", "a port"}} {
			for _, m := range re.rx.FindAllStringSubmatch(e.URL, -1) {
				add(re.base, m[1], re.what)
			}
		}
	}
	for _, x := range v.list {
		v.order = append(v.order, x.Value)
	}
	sort.SliceStable(v.order, func(i, j int) bool { return len(v.order[i]) > len(v.order[j]) })
	return v
}

// sub puts the variables in place of their values in s.
func (v *varNames) sub(s string) string {
	for _, value := range v.order {
		for _, x := range v.list {
			if x.Value == value {
				s = strings.ReplaceAll(s, value, "${"+x.Name+"}")
			}
		}
	}
	return s
}

func (v *varNames) names() string {
	var out []string
	for _, x := range v.list {
		if x.Name != "TARGET" {
			out = append(out, x.Name+" "+x.What)
		}
	}
	if len(out) == 0 {
		return "none but TARGET"
	}
	return strings.Join(out, ", ")
}

func sortedHeaders(h http.Header) []string {
	var out []string
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, k+": "+v)
		}
	}
	slices.Sort(out)
	return out
}

// signLine renders the `nicconform sign` command that signs a step: its
// method, URL, body and the headers it sends but the ones the signer sets.
func signLine(s ReproStep, vars map[string]bool) string {
	parts := []string{"nicconform sign -X " + s.Method}
	for _, h := range s.Headers {
		name, _, _ := strings.Cut(h, ":")
		if n := strings.ToLower(name); n == "authorization" || n == "x-sdk-date" || n == "x-security-token" {
			continue
		}
		parts = append(parts, "-H "+dq(h, vars))
	}
	if s.Body != "" {
		parts = append(parts, "-d "+dq(s.Body, vars))
	}
	parts = append(parts, dq(s.URL, vars))
	return `eval "$(` + strings.Join(parts, " ") + `)"`
}

// curl renders a step as a curl command line: double-quoted words, so
// that ${NAME} expands and nothing else does.
func curl(s ReproStep, vars map[string]bool) string {
	parts := []string{"curl -sS -i -X " + s.Method, dq(s.URL, vars)}
	for _, h := range s.Headers {
		parts = append(parts, "-H "+dq(h, vars))
	}
	if s.Body != "" {
		parts = append(parts, "--data-raw "+dq(s.Body, vars))
	}
	return strings.Join(parts, " ")
}

// dq double-quotes s for a POSIX shell, leaving its ${NAME} references to
// expand where vars holds NAME (the reproduction's own variables and its
// credential's): every other $, `, " and \ is escaped, so nothing a target
// put in an exchange expands on the user's machine.
func dq(s string, vars map[string]bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '$':
			if end := strings.IndexByte(s[i:], '}'); strings.HasPrefix(s[i:], "${") && end > 2 && vars[s[i+2:i+end]] {
				b.WriteString(s[i : i+end+1])
				i += end
				continue
			}
			b.WriteString(`\$`)
		case '`', '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Script renders a reproduction as a shell script: its state and signing
// as comments, the variables, the curl commands, then the re-run.
func (r Reproduction) Script() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# state: %s\n", r.State)
	if strings.Contains(fmt.Sprint(r.Steps), "${"+TokenVar+"}") {
		fmt.Fprintf(&b, "# credential: export %s=… (the run's token; it is never written here)\n", TokenVar)
	}
	if r.Signing != "" {
		fmt.Fprintf(&b, "# signing: %s\n", r.Signing)
	}
	for _, v := range r.Vars {
		fmt.Fprintf(&b, "%s=%s  # %s\n", v.Name, dq(v.Value, nil), v.What)
	}
	for _, s := range r.Steps {
		got := "no answer"
		if s.Got != 0 {
			got = fmt.Sprint(s.Got)
		}
		if s.Sign != "" {
			fmt.Fprintln(&b, s.Sign)
		}
		fmt.Fprintf(&b, "%s  # the run got %s\n", s.Curl, got)
	}
	fmt.Fprintf(&b, "# re-run this rule alone:\n%s\n", r.Rerun)
	return b.String()
}

// judgedOnOthers are the rules judged on every exchange aimed at the
// detach, which other rules' specs make (crossCheck): re-run alone, they
// send none of them.
var judgedOnOthers = map[string]bool{RuleSpecConformant: true, RuleRequestID: true, RuleErrorShape: true}

// withSources adds to the reproduction of a rule judged on other rules'
// exchanges the rules whose specs made its steps' exchanges (recorded:
// Exchange.Seq to the rules whose specs recorded it), so that its Rerun
// sends them again.
func (r *Reproduction) withSources(rule string, recorded map[int][]string) {
	if r == nil || !judgedOnOthers[rule] {
		return
	}
	for _, seq := range r.seqs {
		for _, id := range recorded[seq] {
			if !slices.Contains(r.Rules, id) {
				r.Rules = append(r.Rules, id)
			}
		}
	}
	if len(r.Rules) > 1 {
		r.Rerun = "nicconform run -label-filter='" + strings.Join(r.Rules, " || ") + "'"
	}
}
