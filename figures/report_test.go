package figures

import (
	"bytes"
	"encoding/base64"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

func testPNG(t *testing.T, dir, name string) string {
	t.Helper()
	p := plot.New()
	p.Title.Text = name
	l, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	p.Add(l)
	if _, err := SavePlot(p, Width/2, Height/2, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name+".png")
}

func TestWriteReport(t *testing.T) {
	dir := t.TempDir()
	a, b := testPNG(t, dir, "a"), testPNG(t, dir, "b")
	yes, no := true, false
	r := &Report{
		Title: "T <1>", Subtitle: "sub",
		Settings: [][2]string{{"k", "5"}},
		Figures: []ReportFigure{
			{ID: "fig-a", Title: "A", Image: a, SVG: strings.TrimSuffix(a, ".png") + ".svg", Caption: "cap <script>alert(1)</script>", Paper: "p", Shows: "s", Holds: &yes},
			{ID: "fig-b", Title: "B", Image: b, Paper: "p2", Shows: "s2", Holds: &no},
		},
		Tables: []ReportTable{{ID: "t1", Title: "Numbers", Header: []string{"M", "σ₁"}, Rows: [][]string{{"500", "9.3"}, {"784", "11.2"}}}},
		Notes:  []string{"train/x: failed"},
	}
	out := filepath.Join(dir, "sub", "report.html")
	if err := WriteReport(out, r); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	// Every image is embedded and decodes to the file's bytes.
	uris := regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`).FindAllStringSubmatch(s, -1)
	if len(uris) != 2 {
		t.Fatalf("want 2 embedded images, got %d", len(uris))
	}
	for i, path := range []string{a, b} {
		want, _ := os.ReadFile(path)
		got, err := base64.StdEncoding.DecodeString(html.UnescapeString(uris[i][1])) // attributes escape + as &#43;
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("image %d does not round-trip (err %v)", i, err)
		}
	}
	for _, want := range []string{
		`data-loaded="0/2"`, // set by the page script on load
		`href="../a.svg"`,   // SVG linked relative to the report
		`class="claim yes"`, `class="claim no"`,
		"&lt;script&gt;alert(1)&lt;/script&gt;", // captions are escaped
		"T &lt;1&gt;", "<td>784</td><td>11.2</td>", "train/x: failed", `naturalWidth > 0`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(s, "http://") || strings.Contains(s, "https://") {
		t.Error("report refers to the network")
	}
}

func TestWriteReportBadInput(t *testing.T) {
	dir := t.TempDir()
	txt := filepath.Join(dir, "x.png")
	os.WriteFile(txt, []byte("not a png at all"), 0o644)
	for name, f := range map[string]ReportFigure{
		"missing file": {ID: "a", Image: filepath.Join(dir, "none.png")},
		"not a PNG":    {ID: "a", Image: txt},
		"no id":        {Image: txt},
	} {
		if err := WriteReport(filepath.Join(dir, "r.html"), &Report{Figures: []ReportFigure{f}}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
