package train

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/tensor"
)

// run.json records the platform that decided the bits, and a resume on
// another platform says so in one warning line (and records where it ran).
func TestRunRecordsPlatformAndWarnsOnResume(t *testing.T) {
	cfg := smallCfg("pcd")
	cfg.Data, cfg.Epochs, cfg.K, cfg.Hidden, cfg.EvalSubset = writeNPY(t, toyData(200, 16, 5)), 1, 1, 8, 20
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Run(context.Background(), cfg, RunOptions{Out: dir}); err != nil {
		t.Fatal(err)
	}
	info, err := ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	be, _ := tensor.ByName(cfg.Backend)
	want := tensor.CurrentPlatform(be)
	if info.Platform != want {
		t.Fatalf("run.json platform %+v, want %+v", info.Platform, want)
	}
	if info.Platform.SIMD == "" || info.Platform.GoVersion == "" || info.Platform.GOMAXPROCS < 1 {
		t.Fatalf("platform fields missing: %+v", info.Platform)
	}

	resume := func() []string {
		var msgs []string
		cfg.Epochs++
		_, err := Run(context.Background(), cfg, RunOptions{Out: dir, Resume: true, Progress: func(ev Event) {
			if strings.HasPrefix(ev.Message, "warning:") {
				msgs = append(msgs, ev.Message)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		return msgs
	}
	if w := resume(); len(w) != 0 {
		t.Fatalf("resume on the same platform warned: %q", w)
	}
	// Pretend the first epochs ran on another SIMD path and OpenBLAS core.
	info, _ = ReadInfo(dir)
	info.Platform.SIMD, info.Platform.OpenBLASCore = "avx9", "Elsewhere"
	if err := writeInfo(dir, info); err != nil {
		t.Fatal(err)
	}
	w := resume()
	if len(w) != 1 || !strings.Contains(w[0], "SIMD path avx9 → "+want.SIMD) || !strings.Contains(w[0], "not") {
		t.Fatalf("resume on another platform: warnings %q", w)
	}
	info, _ = ReadInfo(dir)
	if info.Platform.SIMD != "avx9" || len(info.ResumedOn) != 2 || info.ResumedOn[1] != want {
		t.Fatalf("after resumes: platform %+v, resumed_on %+v", info.Platform, info.ResumedOn)
	}
}
