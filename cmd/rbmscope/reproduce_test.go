package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestReproduceCommand(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "paper")
	cmd := exec.Command(bin, "reproduce", "--preset", "tiny", "--hidden", "10", "--replicas", "1", "--epochs", "1",
		"--ais-betas", "20", "--methods", "pcd", "--out", out, "--json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("reproduce failed: %v\n%s", err, stderr.String())
	}
	// Every setting is printed at the start and saved, with the overrides.
	if !strings.Contains(stderr.String(), "hidden 10 × 1 replicas") || !strings.Contains(stderr.String(), "20 linear betas") {
		t.Errorf("settings not printed:\n%s", stderr.String())
	}
	var s struct {
		Hidden   []int `json:"hidden"`
		Replicas int   `json:"replicas"`
		Epochs   int   `json:"epochs"`
		AISBetas int   `json:"ais_betas"`
		K        int   `json:"k"`
	}
	b, _ := os.ReadFile(filepath.Join(out, "settings.json"))
	if err := json.Unmarshal(b, &s); err != nil || len(s.Hidden) != 1 || s.Hidden[0] != 10 || s.Replicas != 1 || s.Epochs != 1 || s.AISBetas != 20 || s.K != 1 {
		t.Errorf("settings.json %s (%v)", b, err)
	}
	var res struct {
		Report   string `json:"report"`
		Figures  []string
		Failures []any
		Summary  struct {
			Runs []struct {
				Status string  `json:"status"`
				Sigma1 float64 `json:"sigma1"`
			} `json:"runs"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(stdout, &res); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if len(res.Summary.Runs) != 1 || res.Summary.Runs[0].Status != "done" || !(res.Summary.Runs[0].Sigma1 > 0) || len(res.Failures) != 0 {
		t.Errorf("summary %+v", res)
	}
	// One size: Fig. 8 needs a second, so 10 of the paper's figures and
	// the 2 dynamics figures rbmscope adds.
	if len(res.Figures) != 24 {
		t.Errorf("%d figure files, want 24", len(res.Figures))
	}
	if _, err := os.Stat(res.Report); err != nil {
		t.Errorf("report: %v", err)
	}
	// Bad input: exit 2 with a one-line message.
	for _, args := range [][]string{
		{"reproduce", "--preset", "huge", "--out", dir},
		{"reproduce", "--preset", "tiny"},
		{"reproduce", "--preset", "tiny", "--hidden", "1", "--out", dir},
		{"reproduce", "--preset", "tiny", "--replicas", "0", "--out", dir},
		{"reproduce", "--preset", "tiny", "--hidden", "12", "--out", out}, // a different plan in out
	} {
		c := exec.Command(bin, args...)
		msg, err := c.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || strings.Count(strings.TrimSpace(string(msg)), "\n") > 12 {
			t.Errorf("%v: exit %v, output %s", args, err, msg)
		}
	}
	help, _ := exec.Command(bin, "reproduce", "--help").CombinedOutput()
	if !strings.Contains(string(help), "Examples:") || !strings.Contains(string(help), "--preset paper") {
		t.Error("--help lacks an example")
	}
}

// TestReproduceDryRun: the paper preset's plan with the authors' k = 500,
// printed as JSON, and nothing written.
func TestReproduceDryRun(t *testing.T) {
	bin := testBinary(t)
	out := filepath.Join(t.TempDir(), "full")
	cmd := exec.Command(bin, "reproduce", "--preset", "paper", "--dry-run", "--json", "--out", out)
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	var d struct {
		Settings struct {
			K       int      `json:"k"`
			Hidden  []int    `json:"hidden"`
			Methods []string `json:"methods"`
		} `json:"settings"`
		Runs []struct {
			ID  string `json:"id"`
			K   int    `json:"k"`
			Dir string `json:"dir"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(stdout, &d); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	// 4 sizes × 5 replicas, and CD and Rdm at M = 500 × 5 for Fig. 3f.
	if d.Settings.K != 500 || len(d.Runs) != 30 || d.Runs[0].K != 500 || !strings.HasPrefix(d.Runs[0].Dir, out) {
		t.Errorf("dry run: k %d, %d runs, first %+v", d.Settings.K, len(d.Runs), d.Runs[0])
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dry run created %s (%v)", out, err)
	}
}
