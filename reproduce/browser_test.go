package reproduce

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chromium returns a headless Chromium binary, installing Debian's
// chromium package if none is present (skipping the test only when that
// is impossible).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("no Chromium and no apt-get to install it: install chromium to run the browser test")
	}
	t.Log("installing chromium with apt-get (once)")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, args := range [][]string{{"update"}, {"install", "-y", "chromium"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("cannot install chromium (apt-get %s: %v): %s", args[0], err, lastLine(string(out)))
		}
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium was installed but is not on PATH")
	}
	return p
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// headless runs Chromium on page with the given extra arguments.
func headless(t *testing.T, bin, page string, extra ...string) []byte {
	t.Helper()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + t.TempDir(), "--virtual-time-budget=5000"}
	args = append(append(args, extra...), "file://"+page)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", extra, err, lastLine(stderr.String()))
	}
	return out
}

// TestReportInBrowser renders report.html of a tiny run in headless
// Chromium and checks that every figure image decoded and every table is
// there. RBMSCOPE_REPORT_SCREENSHOT=path keeps a screenshot.
func TestReportInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short (it runs in the OpenBLAS pass of scripts/test.sh)")
	}
	dir, res := runTiny(t)
	bin := chromium(t)
	page, err := filepath.Abs(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	dom := string(headless(t, bin, page, "--dump-dom"))
	m := regexp.MustCompile(`<body[^>]*data-loaded="(\d+)/(\d+)"`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no data-loaded attribute on <body> in the rendered DOM (%d bytes)", len(dom))
	}
	loaded, total := atoi(m[1]), atoi(m[2])
	nfig := len(res.Figures) / 2 // PNG + SVG per figure
	// Figs. 1–8 (11 images) and the two dynamics figures rbmscope adds.
	if loaded != total || total != nfig || nfig != 13 {
		t.Errorf("%d of %d images loaded; the run drew %d figures (want 13)", loaded, total, nfig)
	}
	for _, id := range []string{"table-claims", "table-ll", "table-spectrum", "table-js", "table-symmetry", "table-gauss", "table-probe", "table-runs"} {
		if !strings.Contains(dom, `id="`+id+`"`) {
			t.Errorf("rendered page lacks the %s table", id)
		}
	}
	if n := strings.Count(dom, "<table"); n < 9 {
		t.Errorf("rendered page has %d tables, want ≥ 9 (settings + 8)", n)
	}
	shot := filepath.Join(t.TempDir(), "shot.png")
	headless(t, bin, page, "--screenshot="+shot, "--window-size=1200,1600", "--hide-scrollbars")
	b, err := os.ReadFile(shot)
	if err != nil || len(b) < 1000 || string(b[1:4]) != "PNG" {
		t.Fatalf("no screenshot: %v (%d bytes)", err, len(b))
	}
	if keep := os.Getenv("RBMSCOPE_REPORT_SCREENSHOT"); keep != "" {
		if err := os.WriteFile(keep, b, 0o644); err != nil {
			t.Error(err)
		}
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
