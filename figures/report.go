package figures

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
)

// ReportFigure is one figure of report.html with its caption and the
// "what the paper claims / what this run shows" line.
type ReportFigure struct {
	ID      string // HTML anchor, e.g. "fig1-left"
	Title   string // e.g. "Fig. 1 (left): test log-likelihood vs epochs"
	Image   string // PNG file, embedded in the page as a data URI
	SVG     string // optional SVG file, linked relative to the report
	Caption string // what is plotted, from which runs, with which settings
	Paper   string // what the paper claims
	Shows   string // what this run shows (computed from the numbers)
	Holds   *bool  // whether the claim holds here (nil: not measured)
}

// ReportTable is a table of key numbers.
type ReportTable struct {
	ID     string
	Title  string
	Header []string
	Rows   [][]string
	Note   string
}

// Report is the content of report.html.
type Report struct {
	Title    string
	Subtitle string
	Settings [][2]string // name, value
	Figures  []ReportFigure
	Tables   []ReportTable
	Notes    []string // e.g. failed runs and steps
}

type reportFigureView struct {
	ReportFigure
	DataURI template.URL
	SVGRel  string
	Verdict string
}

const reportTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1100px;padding:1.5em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.sub{color:#666;margin-top:0}
figure{margin:1em 0 2.5em 0} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.95em;color:#333;margin-top:.4em}
.claim{font-size:.95em;margin:.5em 0;padding:.4em .7em;background:#f6f8fa;border-left:4px solid #999}
.claim.yes{border-color:#009E73} .claim.no{border-color:#D55E00}
table{border-collapse:collapse;font-size:.9em;margin:.6em 0} th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f0f0f0} td:first-child,th:first-child{text-align:left}
.note{color:#a33} nav a{margin-right:.8em}
</style>
</head>
<body data-loaded="0/{{len .Figures}}">
<h1>{{.Title}}</h1>
<p class="sub">{{.Subtitle}}</p>
<nav>{{range .Figures}}<a href="#{{.ID}}">{{.ID}}</a>{{end}}{{range .Tables}}<a href="#{{.ID}}">{{.ID}}</a>{{end}}</nav>
{{if .Notes}}<h2 id="notes">Problems</h2><ul>{{range .Notes}}<li class="note">{{.}}</li>{{end}}</ul>{{end}}
<h2 id="settings">Settings</h2>
<table class="settings">{{range .Settings}}<tr><td>{{index . 0}}</td><td style="text-align:left">{{index . 1}}</td></tr>{{end}}</table>
<h2 id="figures">Figures</h2>
{{range .Figures}}<figure id="{{.ID}}">
<h3>{{.Title}}</h3>
<img class="fig" src="{{.DataURI}}" alt="{{.Title}}">
<figcaption>{{.Caption}}{{if .SVGRel}} (<a href="{{.SVGRel}}">SVG</a>){{end}}</figcaption>
{{if .Paper}}<div class="claim {{.Verdict}}"><b>The paper claims:</b> {{.Paper}}<br><b>This run shows:</b> {{.Shows}}</div>{{end}}
</figure>
{{end}}
<h2 id="numbers">Key numbers</h2>
{{range .Tables}}<section id="{{.ID}}"><h3>{{.Title}}</h3>
<table class="numbers"><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>{{if .Note}}<p>{{.Note}}</p>{{end}}</section>
{{end}}
<script>
window.addEventListener("load", function () {
  var imgs = document.querySelectorAll("img.fig"), ok = 0;
  for (var i = 0; i < imgs.length; i++) { if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++; }
  document.body.setAttribute("data-loaded", ok + "/" + imgs.length);
});
</script>
</body>
</html>
`

// WriteReport writes r as one self-contained HTML page at path: every
// figure's PNG is embedded as a base64 data URI (the page needs no network
// and no other file), SVGs are linked relative to the page. When the page
// has loaded, a script sets data-loaded="N/M" on <body>: N of the M figure
// images decoded (naturalWidth > 0).
func WriteReport(path string, r *Report) error {
	tpl, err := template.New("report").Parse(reportTemplate)
	if err != nil {
		return err
	}
	base := filepath.Dir(path)
	view := struct {
		*Report
		Figures []reportFigureView
	}{Report: r}
	for _, f := range r.Figures {
		if f.ID == "" || f.Image == "" {
			return fmt.Errorf("report: figure %q needs an ID and an image", f.Title)
		}
		b, err := os.ReadFile(f.Image)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if !strings.HasSuffix(strings.ToLower(f.Image), ".png") || len(b) < 8 || string(b[1:4]) != "PNG" {
			return fmt.Errorf("report: %s is not a PNG file", f.Image)
		}
		v := reportFigureView{ReportFigure: f, DataURI: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))}
		if f.SVG != "" {
			if rel, err := filepath.Rel(base, f.SVG); err == nil {
				v.SVGRel = filepath.ToSlash(rel)
			}
		}
		switch {
		case f.Holds == nil:
		case *f.Holds:
			v.Verdict = "yes"
		default:
			v.Verdict = "no"
		}
		view.Figures = append(view.Figures, v)
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error { return tpl.Execute(w, view) })
}
