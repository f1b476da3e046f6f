package report

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/client"
)

// Timeline is the SVG picture of a run drawn from its exchanges (the HAR's
// data: each exchange's start, duration and step): one lane per NIC the
// run made (and the primary, the witness), with bars for attached,
// detaching and settling as far as the exchanges show; the lock window;
// the refusals and the shared watch; a row per scenario and attribution
// re-run; the moment each rule's verdict settled; the NICs on the server
// at once against the run's ceiling. Every mark has a title naming its
// exchange.
type Timeline struct {
	Width, Height float64
	Left          float64 // where the plot starts, after the labels
	Rows          []Row
	Ticks         []Tick
	// Ceiling is the y of the NIC ceiling line (0: none) and its label.
	Ceiling      float64
	CeilingLabel string
	// Count is the SVG path of the NICs-at-once step line ("" when unknown).
	Count string
}

// Row is one lane of the timeline.
type Row struct {
	Key, Label, Kind string // Kind: "port", "lock", "refusals", "watch", "scenario", "verdicts", "count"
	Y                float64
	Bars             []Bar
	Marks            []Mark
}

// Bar is an interval on a lane: X and W in pixels, Class the state.
type Bar struct {
	X, W         float64
	Class, Title string
}

// Mark is a moment on a lane.
type Mark struct {
	X            float64
	Class, Title string
}

// Tick is a label of the time axis.
type Tick struct {
	X     float64
	Label string
}

const (
	tlPlot  = 960.0
	tlLeft  = 260.0
	tlRow   = 16.0
	tlCount = 60.0
)

var (
	uuidRx      = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`
	nicPath     = regexp.MustCompile(`/servers/(` + uuidRx + `)/os-interface/(` + uuidRx + `)$`)
	attachPath  = regexp.MustCompile(`/servers/(` + uuidRx + `)/os-interface$`)
	portPath    = regexp.MustCompile(`/ports/(` + uuidRx + `)$`)
	portsPath   = regexp.MustCompile(`/ports$`)
	actionPath  = regexp.MustCompile(`/servers/(` + uuidRx + `)/action$`)
	shortIDPart = regexp.MustCompile(`^[0-9a-fA-F]{8}`)
)

// exchangeTitle names an exchange for a mark's title.
func exchangeTitle(e *client.Exchange) string {
	s := fmt.Sprintf("#%d %s %s → %d", e.Seq, e.Method, e.URL, e.Status)
	if e.Status == 0 {
		s = fmt.Sprintf("#%d %s %s → no answer", e.Seq, e.Method, e.URL)
	}
	if e.RequestID != "" {
		s += " (" + e.RequestID + ")"
	}
	if e.Owner != "" {
		s += " [" + e.Owner + "]"
	}
	return s
}

func short(id string) string { return shortIDPart.FindString(id) }

// nicState follows one port through the run.
type nicState struct {
	id, server, role, made string
	first                  time.Time
	state                  string
	since                  time.Time
	sinceEx                *client.Exchange
	spans                  []span
	marks                  []moment
}

type span struct {
	from, to     time.Time
	class, title string
}

type moment struct {
	at           time.Time
	class, title string
}

func (n *nicState) to(at time.Time, state string, e *client.Exchange) {
	if n.state != "" && at.After(n.since) {
		n.spans = append(n.spans, span{n.since, at, n.state, n.state + " from " + exchangeTitle(n.sinceEx)})
	}
	n.state, n.since, n.sinceEx = state, at, e
}

// buildTimeline draws the run.
func buildTimeline(c Conformance, exchanges []*client.Exchange) Timeline {
	var ex []*client.Exchange
	for _, e := range exchanges {
		if !e.Started.IsZero() {
			ex = append(ex, e)
		}
	}
	sort.SliceStable(ex, func(i, j int) bool { return ex[i].Started.Before(ex[j].Started) })
	tl := Timeline{Width: tlLeft + tlPlot + 20, Left: tlLeft}
	if len(ex) == 0 {
		tl.Height = 30
		return tl
	}
	t0, t1 := ex[0].Started, ex[0].Started
	for _, e := range ex {
		if end := e.Started.Add(e.Duration); end.After(t1) {
			t1 = end
		}
	}
	for _, at := range c.settled {
		if at.After(t1) {
			t1 = at
		}
	}
	if !t1.After(t0) {
		t1 = t0.Add(time.Millisecond)
	}
	x := func(t time.Time) float64 { return tlLeft + float64(t.Sub(t0))/float64(t1.Sub(t0))*tlPlot }
	end := func(e *client.Exchange) time.Time { return e.Started.Add(e.Duration) }

	nics := map[string]*nicState{}
	var order []string
	nic := func(id string, at time.Time) *nicState {
		if nics[id] == nil {
			nics[id] = &nicState{id: id, first: at}
			order = append(order, id)
		}
		return nics[id]
	}
	var lock, refusals, watch []moment
	var lockSpans []span
	var lockFrom *client.Exchange
	type group struct {
		from, to time.Time
		n        int
	}
	groups := map[string]*group{}
	var groupOrder []string
	for _, e := range ex {
		path := e.URL
		if u, err := url.Parse(e.URL); err == nil {
			path = u.Path
		}
		ok := e.Status >= 200 && e.Status < 300
		if strings.HasPrefix(e.Owner, "task:") || strings.HasPrefix(e.Owner, "rerun:") {
			g := groups[e.Owner]
			if g == nil {
				g = &group{from: e.Started, to: end(e)}
				groups[e.Owner] = g
				groupOrder = append(groupOrder, e.Owner)
			}
			g.n++
			if end(e).After(g.to) {
				g.to = end(e)
			}
		}
		switch {
		case e.Method == "POST" && portsPath.MatchString(path) && ok:
			var body struct {
				Port struct{ ID string } `json:"port"`
			}
			if b, err := e.Body(); err == nil && json.Unmarshal(b, &body) == nil && body.Port.ID != "" {
				n := nic(body.Port.ID, e.Started)
				n.made = e.Owner
				n.marks = append(n.marks, moment{end(e), "created", "port created: " + exchangeTitle(e)})
			}
		case e.Method == "POST" && attachPath.MatchString(path) && ok:
			var body struct {
				IA struct {
					PortID string `json:"port_id"`
				} `json:"interfaceAttachment"`
			}
			if b, err := e.Body(); err == nil && json.Unmarshal(b, &body) == nil && body.IA.PortID != "" {
				n := nic(body.IA.PortID, e.Started)
				if n.made == "" {
					n.made = e.Owner + " (net_id)"
				}
				n.server = attachPath.FindStringSubmatch(path)[1]
				n.to(end(e), "attached", e)
			}
		case e.Method == "DELETE" && nicPath.MatchString(path):
			m := nicPath.FindStringSubmatch(path)
			n := nics[m[2]]
			if n == nil && e.Subject && strings.Contains(e.Owner, "PRIMARY-FORBIDDEN") {
				n = nic(m[2], t0)
				n.server, n.role = m[1], "primary"
				n.to(t0, "attached", e)
			}
			switch {
			case n != nil && ok:
				n.to(e.Started, "detaching", e)
			case n != nil:
				n.marks = append(n.marks, moment{e.Started, "refused", "refused: " + exchangeTitle(e)})
				if strings.HasPrefix(e.Owner, "probe:") && n.role == "" {
					n.role = "witness"
				}
			}
			if strings.HasPrefix(e.Owner, "probe:") && e.Subject {
				refusals = append(refusals, moment{e.Started, verdictClass(ok), exchangeTitle(e)})
			}
		case e.Method == "DELETE" && e.Subject && strings.HasPrefix(e.Owner, "probe:"):
			refusals = append(refusals, moment{e.Started, verdictClass(ok), exchangeTitle(e)})
		case e.Method == "GET" && nicPath.MatchString(path) && e.Status == 404:
			if n := nics[nicPath.FindStringSubmatch(path)[2]]; n != nil && n.state == "detaching" {
				n.to(end(e), "settling", e)
			}
		case e.Method == "DELETE" && portPath.MatchString(path):
			if n := nics[portPath.FindStringSubmatch(path)[1]]; n != nil {
				n.to(e.Started, "", e)
				n.marks = append(n.marks, moment{end(e), "removed", "port removed: " + exchangeTitle(e)})
			}
		case e.Method == "POST" && actionPath.MatchString(path) && ok:
			switch body := string(e.RequestBody); {
			case strings.Contains(body, `"unlock"`):
				if lockFrom != nil {
					lockSpans = append(lockSpans, span{lockFrom.Started, end(e), "locked", "locked from " + exchangeTitle(lockFrom) + " to " + exchangeTitle(e)})
					lockFrom = nil
				}
				lock = append(lock, moment{end(e), "unlock", "unlocked: " + exchangeTitle(e)})
			case strings.Contains(body, `"lock"`):
				lockFrom = e
				lock = append(lock, moment{e.Started, "lock", "locked: " + exchangeTitle(e)})
			}
		}
		if e.Owner == "watch" {
			watch = append(watch, moment{e.Started, "watch", exchangeTitle(e)})
		}
	}
	if lockFrom != nil {
		lockSpans = append(lockSpans, span{lockFrom.Started, t1, "locked", "locked from " + exchangeTitle(lockFrom) + " to the run's end"})
	}

	y := 24.0
	row := func(r Row) {
		r.Y = y
		tl.Rows = append(tl.Rows, r)
		y += tlRow + 4
	}
	bar := func(s span) Bar {
		return Bar{X: x(s.from), W: max(x(s.to)-x(s.from), 1.5), Class: s.class, Title: s.title}
	}
	marks := func(ms []moment) []Mark {
		out := make([]Mark, 0, len(ms))
		for _, m := range ms {
			out = append(out, Mark{X: x(m.at), Class: m.class, Title: m.title})
		}
		return out
	}
	// NICs at once on the run's server, from the lanes' states.
	type step struct {
		at time.Time
		d  int
	}
	var steps []step
	for _, id := range order {
		n := nics[id]
		if n.state != "" { // still on at the end of the exchanges
			n.to(t1, "", nil)
		}
		r := Row{Key: "port:" + id, Kind: "port", Label: fmt.Sprintf("NIC %s %s", short(id), firstNonEmpty(n.role, strings.TrimPrefix(n.made, "task:")))}
		for _, s := range n.spans {
			r.Bars = append(r.Bars, bar(s))
			if n.server == serverOf(c) || serverOf(c) == "" {
				if s.class == "attached" || s.class == "detaching" {
					steps = append(steps, step{s.from, 1}, step{s.to, -1})
				}
			}
		}
		r.Marks = marks(n.marks)
		row(r)
	}
	row(Row{Key: "lock", Kind: "lock", Label: "server lock", Bars: func() (out []Bar) {
		for _, s := range lockSpans {
			out = append(out, bar(s))
		}
		return out
	}(), Marks: marks(lock)})
	row(Row{Key: "refusals", Kind: "refusals", Label: "refusals (probes)", Marks: marks(refusals)})
	row(Row{Key: "watch", Kind: "watch", Label: "shared watch", Marks: marks(watch)})
	for _, owner := range groupOrder {
		g := groups[owner]
		kind := "scenario"
		if strings.HasPrefix(owner, "rerun:") {
			kind = "rerun"
		}
		row(Row{Key: owner, Kind: kind, Label: owner, Bars: []Bar{bar(span{g.from, g.to, kind, fmt.Sprintf("%s: %d exchanges, %s", owner, g.n, g.to.Sub(g.from).Round(time.Millisecond))})}})
	}
	var vm []Mark
	for _, v := range c.Rules {
		if at, ok := c.settled[v.ID]; ok {
			vm = append(vm, Mark{X: x(at), Class: v.Verdict, Title: fmt.Sprintf("%s: %s at %s", v.ID, v.Verdict, at.Sub(t0).Round(time.Millisecond))})
		}
	}
	row(Row{Key: "verdicts", Kind: "verdicts", Label: "verdicts settle", Marks: vm})
	// The count, as a step line over a band of tlCount pixels.
	if c.Cost != nil && c.Cost.MaxNICs > 0 {
		base := c.Cost.PeakNICs
		// One step per moment: a NIC going from attached to detaching at
		// one instant is no dip.
		sort.SliceStable(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })
		var merged []step
		for _, s := range steps {
			if n := len(merged); n > 0 && merged[n-1].at.Equal(s.at) {
				merged[n-1].d += s.d
				continue
			}
			merged = append(merged, s)
		}
		steps = merged
		level, peak := 0, 0
		for _, s := range steps {
			level += s.d
			peak = max(peak, level)
		}
		base = max(base-peak, 0) // the primary and the NICs the server had before
		top := max(c.Cost.MaxNICs, c.Cost.PeakNICs) + 1
		yOf := func(n int) float64 { return y + tlCount - float64(n)/float64(top)*tlCount }
		level = base
		p := fmt.Sprintf("M%.1f %.1f", x(t0), yOf(level))
		for _, s := range steps {
			level += s.d
			p += fmt.Sprintf(" H%.1f V%.1f", x(s.at), yOf(level))
		}
		tl.Count = p + fmt.Sprintf(" H%.1f", x(t1))
		tl.Ceiling = yOf(c.Cost.MaxNICs)
		tl.CeilingLabel = fmt.Sprintf("ceiling: %d NICs (the run's peak %d)", c.Cost.MaxNICs, c.Cost.PeakNICs)
		tl.Rows = append(tl.Rows, Row{Key: "count", Kind: "count", Label: "NICs on the server", Y: y})
		y += tlCount + 8
	}
	total := t1.Sub(t0)
	for i := 0; i <= 6; i++ {
		at := t0.Add(total * time.Duration(i) / 6)
		tl.Ticks = append(tl.Ticks, Tick{X: x(at), Label: at.Sub(t0).Round(time.Millisecond).String()})
	}
	tl.Height = y + 24
	return tl
}

func verdictClass(accepted bool) string {
	if accepted {
		return "accepted"
	}
	return "refused"
}

func serverOf(c Conformance) string {
	if c.Cost != nil {
		return c.Cost.Server
	}
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
