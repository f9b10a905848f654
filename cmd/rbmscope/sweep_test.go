package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/sweep"
)

// The local executor and the manifest writer through the binary: plan,
// submit (a pool of child workers), collect, k8s manifest, and the exit
// codes of bad input.
func TestSweepCLILocalAndK8s(t *testing.T) {
	c := cli{t, testBinary(t)}
	spec := tinySpec(t, "[2]") + "kubernetes: {image: 'reg.example/rbmscope:1', pvc: sweeps}\n" +
		"eval: true\neval_args: [--betas, '200', --chains, '20']\n" +
		"analyze: true\nanalyze_args: [--no-figures, --mp-sizes, '20', --kurt-sizes, '16,32', --kurt-samples, '200', --fig5-samples, '100', --gibbs-chains, '5', --gibbs-steps, '2']\n"
	plan := c.planSweep(spec)
	// A worker outside any engine takes its index from $SLURM_ARRAY_TASK_ID
	// before $JOB_COMPLETION_INDEX.
	cmd := exec.Command(c.bin, "sweep", "worker", "--plan", plan)
	cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID=1", "JOB_COMPLETION_INDEX=0")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "entry 1/2 h3-pcd-k1-lr0.01-r1") {
		t.Fatalf("worker from SLURM_ARRAY_TASK_ID: %v %s", err, out)
	}
	// The pool then runs only the entry that is not done.
	var results []sweep.LocalResult
	if err := json.Unmarshal(c.run("sweep", "submit", "--plan", plan, "--executor", "local", "--workers", "2", "--threads", "1", "--json", "--quiet"), &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Index != 0 || results[0].Err != nil {
		t.Fatalf("local results %+v", results)
	}
	var col sweep.Collection
	if err := json.Unmarshal(c.run("sweep", "collect", "--plan", filepath.Dir(plan), "--json"), &col); err != nil {
		t.Fatal(err)
	}
	if col.Counts[sweep.StateDone] != 2 || len(col.Groups) != 1 || col.Groups[0].Done != 2 {
		t.Fatalf("collection counts %v groups %+v", col.Counts, col.Groups)
	}
	// The eval step filled the AIS/RAIS columns; the analyze step wrote the
	// reciprocal-space summary into the run directory.
	for _, r := range col.Runs {
		if r.LLAIS == nil || r.LLRAIS == nil || !(*r.LLAIS < 0) {
			t.Errorf("entry %s: ll_ais %v ll_rais %v after the eval step", r.ID, r.LLAIS, r.LLRAIS)
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(plan), "runs", r.ID, "analysis", "summary.json")); err != nil {
			t.Errorf("entry %s: analyze step: %v", r.ID, err)
		}
	}
	if g := col.Groups[0]; g.LLAIS.N != 2 || g.LLAIS.SD == nil {
		t.Errorf("group ll_ais %+v", g.LLAIS)
	}
	for _, r := range col.Runs[:1] {
		log, err := os.ReadFile(filepath.Join(filepath.Dir(plan), "logs", "local-"+r.ID+".log"))
		if err != nil || !strings.Contains(string(log), "done in") {
			t.Errorf("worker log of %s: %s (%v)", r.ID, log, err)
		}
	}
	// Kubernetes: the manifest names the image and claim from the spec.
	c.run("sweep", "submit", "--plan", plan, "--executor", "k8s", "--namespace", "lab")
	b, err := os.ReadFile(filepath.Join(filepath.Dir(plan), "k8s-job.yaml"))
	if err != nil || !strings.Contains(string(b), "completionMode: Indexed") || !strings.Contains(string(b), "claimName: sweeps") ||
		!strings.Contains(string(b), "namespace: lab") {
		t.Fatalf("manifest:\n%s (%v)", b, err)
	}

	// Bad input exits 2 with one line; a missing plan too.
	for _, args := range [][]string{
		{"sweep", "plan", "--spec", filepath.Join(t.TempDir(), "none.yaml"), "--out", t.TempDir()},
		{"sweep", "worker", "--plan", plan, "--index", "7"},
		{"sweep", "worker", "--plan", plan},
		{"sweep", "collect", "--plan", t.TempDir()},
		{"sweep", "submit", "--plan", plan, "--executor", "pbs"},
		{"sweep", "submit", "--plan", plan, "--executor", "k8s", "--pvc", "Bad_Claim"},
	} {
		cmd := exec.Command(c.bin, args...)
		cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID=", "JOB_COMPLETION_INDEX=")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
			t.Errorf("%v: exit %v, output %q; want exit 2 and one line", args, err, out)
		}
	}
}
