package report

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/client"
)

// HTML renders conformance.html: one self-contained page (inline CSS and a
// few lines of inline script for the verdict filter; no request leaves it)
// with the run's counts, the verdict table (failures first), each rule's
// reason, expectation, statement, evidence exchanges and reproduction in a
// <details>, the advisories and leaks, and the run's Timeline as inline SVG.
func HTML(c Conformance, exchanges []*client.Exchange) ([]byte, error) {
	byEvidence := map[string]*client.Exchange{}
	for _, e := range exchanges {
		if e.Status == 0 {
			continue
		}
		if _, ok := byEvidence[Evidence(e)]; !ok {
			byEvidence[Evidence(e)] = e
		}
	}
	page := htmlPage{C: c, Timeline: buildTimeline(c, exchanges), Started: c.Started.Format(time.RFC3339),
		Verdicts: []string{Fail, Error, Skip, Pass}}
	for _, v := range Sorted(c.Rules) {
		r := htmlRule{Verdict: v, Reason: v.ReasonWithPrecondition()}
		if v.Reproduction != nil {
			r.Script = v.Reproduction.Script()
		}
		for _, id := range v.Evidence {
			x := htmlExchange{ID: id}
			if e := byEvidence[id]; e != nil {
				x.Title = exchangeTitle(e)
				x.Detail = exchangeDetail(e)
			}
			r.Evidence = append(r.Evidence, x)
		}
		page.Rules = append(page.Rules, r)
	}
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, page); err != nil {
		return nil, fmt.Errorf("report: conformance.html: %w", err)
	}
	return b.Bytes(), nil
}

type htmlPage struct {
	C        Conformance
	Started  string
	Rules    []htmlRule
	Timeline Timeline
	// Verdicts are the filter's choices.
	Verdicts []string
}

type htmlRule struct {
	Verdict
	Reason   string
	Script   string
	Evidence []htmlExchange
}

type htmlExchange struct{ ID, Title, Detail string }

// htmlBody is how much of a body conformance.html shows.
const htmlBody = 2048

// exchangeDetail is an exchange's request and answer, as text: the
// headers and the start of each body, redacted as recorded.
func exchangeDetail(e *client.Exchange) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", e.Method, e.URL)
	for _, h := range sortedHeaders(e.RequestHeader) {
		b.WriteString(h + "\n")
	}
	if len(e.RequestBody) > 0 {
		b.WriteString("\n" + cut(string(e.RequestBody)) + "\n")
	}
	fmt.Fprintf(&b, "\n→ %d (%s, %s)\n", e.Status, e.Started.UTC().Format("15:04:05.000"), e.Duration.Round(time.Microsecond))
	for _, h := range sortedHeaders(e.ResponseHeader) {
		b.WriteString(h + "\n")
	}
	if len(e.ResponseBody) > 0 {
		b.WriteString("\n" + cut(string(e.ResponseBody)) + "\n")
	}
	if e.Err != "" {
		b.WriteString("error: " + e.Err + "\n")
	}
	return b.String()
}

func cut(s string) string {
	if len(s) > htmlBody {
		return s[:htmlBody] + "…"
	}
	return s
}

var htmlTemplate = template.Must(template.New("conformance.html").Funcs(template.FuncMap{
	"f":   func(x float64) string { return fmt.Sprintf("%.1f", x) },
	"add": func(a, b float64) float64 { return a + b },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nicconform: {{.C.Summary.Fail}} fail, {{.C.Summary.Error}} error, {{.C.Summary.Pass}} pass, {{.C.Summary.Skip}} skip</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
.v{font-weight:bold;text-transform:uppercase;font-size:12px;padding:1px 6px;border-radius:3px;color:#fff}
.v-fail{background:#c62828}.v-error{background:#ef6c00}.v-skip{background:#757575}.v-pass{background:#2e7d32}
pre{background:#f6f6f6;padding:6px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font-size:12px}
details>summary{cursor:pointer}.meta{color:#555}
#verdicts td:first-child{width:16em}#verdicts td:nth-child(2),#verdicts td:nth-child(3){white-space:nowrap}
.filter label{margin-right:1em}
svg text{font:11px system-ui,sans-serif;fill:#333}
svg .attached{fill:#64b5f6}svg .detaching{fill:#ffb74d}svg .settling{fill:#ce93d8}svg .locked{fill:#e57373;opacity:.6}
svg .scenario{fill:#90a4ae}svg .rerun{fill:#ffd54f}
svg .created{fill:#1565c0}svg .removed{fill:#424242}svg .refused{fill:#2e7d32}svg .accepted{fill:#c62828}
svg .lock,svg .unlock{fill:#b71c1c}svg .watch{fill:#00838f}
svg .fail{fill:#c62828}svg .error{fill:#ef6c00}svg .pass{fill:#2e7d32}svg .skip{fill:#9e9e9e}
svg .count{fill:none;stroke:#1565c0;stroke-width:1.5}svg .ceiling{stroke:#c62828;stroke-dasharray:4 3}
svg .grid{stroke:#eee}
</style></head><body>
<h1>nicconform conformance</h1>
<p class="meta">target {{.C.Target}} · profile {{.C.Profile}}{{if .C.Region}} · region {{.C.Region}}{{end}} · started {{.Started}}{{if .C.Tool.Version}} · nicconform {{.C.Tool.Version}}{{end}}</p>
<p><b>{{.C.Summary.Pass}} pass, {{.C.Summary.Fail}} fail, {{.C.Summary.Error}} error, {{.C.Summary.Skip}} skip</b>{{if .C.Advisories}}; {{len .C.Advisories}} advisories{{end}}{{if .C.Leaks}}; <b>{{len .C.Leaks}} left on the target</b>{{end}}{{if .C.Interrupted}}; <b>interrupted</b>: {{.C.Interrupted}}{{end}}</p>
{{with .C.RerunOf}}<p>A re-run of the rules that failed or errored in {{.Dir}}: {{range $i, $r := .Rules}}{{if $i}}, {{end}}{{$r}}{{end}}</p>{{end}}
{{with .C.Cost}}<p class="meta">NICs attached to server {{.Server}} at once: at most {{.PeakNICs}} (the run keeps to {{.MaxNICs}}){{if .Queued}}; the target refused concurrent NIC operations, so the run queued them{{end}}</p>{{end}}
<h2>Verdicts</h2>
<p class="filter">Show: {{range $v := .Verdicts}}<label><input type="checkbox" class="vf" value="{{$v}}" checked> {{$v}}</label>{{end}}</p>
<table id="verdicts"><thead><tr><th>rule</th><th>verdict</th><th>expected</th><th>reason, statement, evidence, reproduction</th></tr></thead><tbody>
{{range .Rules}}<tr class="rule" id="rule-{{.ID}}" data-verdict="{{.Verdict.Verdict}}"><td><b>{{.ID}}</b><br><span class="meta">{{.Title}}</span></td>
<td><span class="v v-{{.Verdict.Verdict}}">{{.Verdict.Verdict}}</span></td><td>{{.Expected}}</td>
<td><details{{if .Reproduction}} open{{end}}><summary>{{if .Reason}}{{.Reason}}{{else}}{{.Statement}}{{end}}</summary>
<p><b>statement</b>: {{.Statement}}</p>{{if .Expected}}<p><b>expected</b>: {{.Expected}}</p>{{end}}
{{if .Specs}}<p><b>specs</b>: {{range $i, $s := .Specs}}{{if $i}}; {{end}}{{$s}}{{end}}</p>{{end}}
{{if .Seconds}}<p class="meta">judged in {{.Seconds}} s</p>{{end}}
{{if .Evidence}}<p><b>evidence</b> ({{len .Evidence}}):</p>{{range .Evidence}}<details class="exchange"><summary>{{if .Title}}{{.Title}}{{else}}{{.ID}}{{end}}</summary>{{if .Detail}}<pre>{{.Detail}}</pre>{{end}}</details>{{end}}{{end}}
{{if .Script}}<p><b>reproduction</b>:</p><pre class="repro">{{.Script}}</pre>{{end}}
</details></td></tr>
{{end}}</tbody></table>
<h2>Timeline</h2>
<p class="meta">From the run's exchanges (exchanges.har): a lane per NIC the run made and the primary it probed (bars: <span style="color:#64b5f6">attached</span>, <span style="color:#ffb74d">detaching</span>, <span style="color:#ce93d8">settling</span>; marks: created, refused, removed), the server lock, the refusals and the shared watch, a row per scenario and attribution re-run, the moment each verdict settled, and the NICs on the server against the run's ceiling. Hover a mark for its exchange.</p>
{{with .Timeline}}<svg id="timeline" width="{{f .Width}}" height="{{f .Height}}" viewBox="0 0 {{f .Width}} {{f .Height}}" role="img" aria-label="timeline of the run">
{{range .Ticks}}<line class="grid" x1="{{f .X}}" x2="{{f .X}}" y1="14" y2="{{f $.Timeline.Height}}"/><text x="{{f .X}}" y="12" text-anchor="middle">{{.Label}}</text>
{{end}}{{range $r := .Rows}}<g class="lane" data-kind="{{$r.Kind}}" data-key="{{$r.Key}}"><text x="4" y="{{f (add $r.Y 12)}}">{{$r.Label}}</text>
{{range $r.Bars}}<rect class="{{.Class}}" x="{{f .X}}" y="{{f $r.Y}}" width="{{f .W}}" height="14"><title>{{.Title}}</title></rect>
{{end}}{{range $r.Marks}}<rect class="mark {{.Class}}" x="{{f (add .X -2)}}" y="{{f (add $r.Y 1)}}" width="4" height="12"><title>{{.Title}}</title></rect>
{{end}}{{if eq $r.Kind "count"}}<path class="count" d="{{$.Timeline.Count}}"><title>NICs attached to the server at once, by the run's own exchanges</title></path>
<line class="ceiling" x1="{{f $.Timeline.Left}}" x2="{{f (add $.Timeline.Width -20)}}" y1="{{f $.Timeline.Ceiling}}" y2="{{f $.Timeline.Ceiling}}"><title>{{$.Timeline.CeilingLabel}}</title></line>
<text x="{{f (add $.Timeline.Width -24)}}" y="{{f (add $.Timeline.Ceiling -3)}}" text-anchor="end">{{$.Timeline.CeilingLabel}}</text>{{end}}</g>
{{end}}</svg>{{end}}
{{if .C.Advisories}}<h2>Advisories</h2><table><tr><th>kind</th><th>observation</th><th>evidence</th></tr>
{{range .C.Advisories}}<tr><td>{{.Kind}}</td><td>{{.Message}}</td><td>{{range $i, $e := .Evidence}}{{if $i}}, {{end}}{{$e}}{{end}}</td></tr>
{{end}}</table>{{end}}
{{if .C.Leaks}}<h2>Left on the target</h2><table><tr><th>what</th><th>how to undo it</th></tr>
{{range .C.Leaks}}<tr><td>{{.What}}</td><td>{{.Sweep}}</td></tr>
{{end}}</table>{{end}}
<script>
for (const box of document.querySelectorAll("input.vf")) box.addEventListener("change", () => {
  const on = new Set([...document.querySelectorAll("input.vf:checked")].map(b => b.value));
  for (const row of document.querySelectorAll("tr.rule")) row.hidden = !on.has(row.dataset.verdict);
});
</script>
</body></html>
`))
