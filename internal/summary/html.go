package summary

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/nicconform/nicconform/internal/report"
)

// HTML renders summary.html: one self-contained page (inline CSS, no
// script) with the matrix as a heatmap, rules × runs, each cell coloured
// by its verdict and linked to the rule's row of that run's
// conformance.html, each column headed by a link to the run's page; then
// each run's advisories and leaks.
func (m Matrix) HTML() ([]byte, error) {
	type cell struct{ Verdict, Class, Title, Href string }
	type row struct {
		Rule  string
		Cells []cell
	}
	page := struct {
		M        Matrix
		ExitCode int
		Rows     []row
	}{M: m, ExitCode: m.ExitCode()}
	for _, id := range m.Rules {
		r := row{Rule: id}
		for _, run := range m.Runs {
			c := cell{Verdict: run.Verdicts[id], Class: run.Verdicts[id]}
			switch {
			case run.Report == nil:
				c.Verdict, c.Class = "no report", "missing"
			case c.Verdict == "":
				c.Verdict, c.Class = "–", "none"
			default:
				c.Href = run.HTML + "#rule-" + id
			}
			c.Title = fmt.Sprintf("%s in %s: %s", id, run.Name, c.Verdict)
			if run.Report != nil {
				for _, v := range run.Report.Rules {
					if v.ID == id && v.Reason != "" {
						c.Title += ": " + report.Short(v.ReasonWithPrecondition())
					}
				}
			}
			r.Cells = append(r.Cells, c)
		}
		page.Rows = append(page.Rows, r)
	}
	var b bytes.Buffer
	if err := summaryTemplate.Execute(&b, page); err != nil {
		return nil, fmt.Errorf("summary: summary.html: %w", err)
	}
	return b.Bytes(), nil
}

// htmlLink is the run's conformance.html beside its conformance.md link.
func htmlLink(mdLink string) string {
	return strings.TrimSuffix(mdLink, "conformance.md") + "conformance.html"
}

var summaryTemplate = template.Must(template.New("summary.html").Funcs(template.FuncMap{
	"date": func(r Run) string {
		if r.Started.IsZero() {
			return ""
		}
		return r.Started.UTC().Format("2006-01-02 15:04Z")
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>nicconform summary: {{len .M.Runs}} runs, exit status {{.ExitCode}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #fff;padding:4px 8px;text-align:center}
th.rule{text-align:left;font-weight:normal}
td a{color:inherit;text-decoration:none;display:block}
.pass{background:#c8e6c9}.fail{background:#c62828;color:#fff;font-weight:bold}.error{background:#ef6c00;color:#fff;font-weight:bold}
.skip{background:#eeeeee;color:#666}.none{background:#fafafa;color:#999}.missing{background:#616161;color:#fff}
.meta{color:#555;font-size:12px}
</style></head><body>
<h1>nicconform summary</h1>
<p>{{len .M.Runs}} runs; exit status {{.ExitCode}} (1: a rule failed somewhere; 2: something could not be judged, was left on a target, or a run left no report)</p>
<table id="heatmap"><thead><tr><th></th>{{range .M.Runs}}<th class="run">{{if .Report}}<a href="{{.HTML}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}<br><span class="meta">{{.Profile}}<br>{{date .}}</span></th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr class="rule"><th class="rule">{{.Rule}}</th>{{range .Cells}}<td class="{{.Class}}" title="{{.Title}}">{{if .Href}}<a href="{{.Href}}">{{.Verdict}}</a>{{else}}{{.Verdict}}{{end}}</td>{{end}}</tr>
{{end}}</tbody></table>
{{range .M.Runs}}{{if or .Missing .Advisories .Leaks}}<h2>{{.Name}} <span class="meta">({{.Dir}})</span></h2><ul>
{{if .Missing}}<li>{{.Missing}}</li>{{end}}{{range .Advisories}}<li>advisory ({{.Kind}}): {{.Message}}</li>{{end}}{{range .Leaks}}<li><b>left on the target</b>: {{.What}} — {{.Sweep}}</li>{{end}}
</ul>{{end}}{{end}}
</body></html>
`))
