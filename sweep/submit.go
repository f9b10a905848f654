package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rbmscope/rbmscope/internal/badinput"
)

// SubmitOptions are the settings of "rbmscope sweep submit".
type SubmitOptions struct {
	Executor string       // local, slurm or k8s (kubernetes)
	Exe      string       // local/slurm: the worker binary ("" = this one)
	Local    LocalOptions // local: Workers, Threads, OnExit (Exe is set from Exe)
	Slurm    SlurmOptions // slurm: Parallel, Extra (Exe is set from Exe)
	DryRun   bool         // slurm: write the script, do not submit it
	K8s      K8sOptions   // k8s: Image, PVC, Namespace, Parallel
}

// Submitted is what Submit did: Lines for the human (stderr) and Value for
// --json (nil: nothing to print).
type Submitted struct {
	Lines []string
	Value any
}

// Submit hands the pending entries of p to an executor: a local pool of
// worker processes (waits for them), a Slurm array (sbatch) or a
// Kubernetes Indexed Job manifest. An error may come with a non-nil
// Submitted (the local results of a pool in which some entries failed).
func Submit(ctx context.Context, p *Plan, o SubmitOptions) (*Submitted, error) {
	exe, err := WorkerExe(o.Exe)
	if err != nil {
		return nil, err
	}
	switch o.Executor {
	case "local":
		lo := o.Local
		lo.Exe = exe
		return submitLocal(ctx, p, lo)
	case "slurm":
		so := o.Slurm
		so.Exe = exe
		return submitSlurm(ctx, p, so, o.DryRun)
	case "k8s", "kubernetes":
		path, err := WriteK8sManifest(p, o.K8s)
		if err != nil {
			return nil, err
		}
		return &Submitted{Lines: []string{fmt.Sprintf("wrote %s (Indexed Job, %d completions); the claim must hold this sweep directory (plan.json at its root). Start it with:\n  kubectl apply -f %s", path, len(p.Entries), path)},
			Value: map[string]string{"manifest": path}}, nil
	default:
		return nil, badinput.Errorf("--executor must be local, slurm or k8s (got %q)", o.Executor)
	}
}

func submitLocal(ctx context.Context, p *Plan, lo LocalOptions) (*Submitted, error) {
	pending := Pending(p)
	if len(pending) == 0 {
		return &Submitted{Lines: []string{fmt.Sprintf("all %d entries are done", len(p.Entries))}}, nil
	}
	res, err := RunLocal(ctx, p, lo)
	if errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("stopped by signal; running entries keep their last epoch — submit again to finish")
	}
	if err != nil {
		return nil, err
	}
	var failed []string
	for _, r := range res {
		if r.Err != nil {
			failed = append(failed, r.ID)
		}
	}
	s := &Submitted{Value: res}
	if len(failed) > 0 {
		sort.Strings(failed)
		return s, fmt.Errorf("%d of %d entries failed (%s); see rbmscope sweep collect --plan %s", len(failed), len(pending), strings.Join(failed, ", "), p.Path())
	}
	s.Lines = []string{fmt.Sprintf("all %d entries are done; tabulate with: rbmscope sweep collect --plan %s", len(p.Entries), p.Path())}
	return s, nil
}

func submitSlurm(ctx context.Context, p *Plan, so SlurmOptions, dryRun bool) (*Submitted, error) {
	sub, err := SubmitSlurm(ctx, p, so, dryRun)
	if err != nil {
		return nil, err
	}
	if sub == nil {
		return &Submitted{Lines: []string{fmt.Sprintf("all %d entries are done; nothing to submit", len(p.Entries))}}, nil
	}
	line := fmt.Sprintf("submitted Slurm job %s (array %s) from %s; follow it with: rbmscope sweep status --plan %s", sub.JobID, sub.Indices, sub.File, p.Path())
	if dryRun {
		line = fmt.Sprintf("wrote %s (array %s); submit it with: sbatch %s", sub.File, sub.Indices, sub.File)
	}
	return &Submitted{Lines: []string{line}, Value: sub}, nil
}

// WorkerExe is the rbmscope binary workers run: flag made absolute, or
// this process's own executable.
func WorkerExe(flag string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	return exe, nil
}

// EngineFromEnv names the engine a worker runs under, for worker.json:
// a Slurm array task, a Kubernetes pod, or "" (by hand).
func EngineFromEnv(getenv func(string) string) string {
	switch {
	case getenv("SLURM_ARRAY_JOB_ID") != "":
		return fmt.Sprintf("slurm job %s_%s", getenv("SLURM_ARRAY_JOB_ID"), getenv("SLURM_ARRAY_TASK_ID"))
	case getenv("JOB_COMPLETION_INDEX") != "":
		return "kubernetes pod " + getenv("HOSTNAME")
	}
	return ""
}

// Line is the one-line outcome of a worker: done, skipped (already done)
// or busy (another live worker holds the entry: nothing to do).
func (r *WorkerResult) Line() string {
	e := r.Entry
	switch {
	case r.Busy != nil:
		return fmt.Sprintf("entry %d (%s) is held by %s; nothing to do", e.Index, e.ID, *r.Busy)
	case r.Skipped:
		return fmt.Sprintf("entry %d (%s) is already done (%s); skipped", e.Index, e.ID, r.Done.Finished.Format(time.RFC3339))
	}
	return fmt.Sprintf("entry %d (%s) done in %.1fs", e.Index, e.ID, r.Done.Seconds)
}

// Lines summarise a plan: its size and its first and last entries.
func (p *Plan) Lines() []string {
	groups := map[string]bool{}
	for _, e := range p.Entries {
		groups[e.Group] = true
	}
	lines := []string{fmt.Sprintf("%d entries in %d groups → %s", len(p.Entries), len(groups), p.Path())}
	for i, e := range p.Entries {
		if i == 3 && len(p.Entries) > 5 {
			last := p.Entries[len(p.Entries)-1]
			return append(lines, fmt.Sprintf("  … %d more", len(p.Entries)-4), fmt.Sprintf("  %d %s", last.Index, last.ID))
		}
		lines = append(lines, fmt.Sprintf("  %d %s", e.Index, e.ID))
	}
	return lines
}

// PlanSpec expands the spec file specPath into DIR/plan.json (out), with
// relative data paths resolved against base: what "rbmscope sweep plan"
// does. A missing or bad spec is bad input.
func PlanSpec(specPath, out, base string, force bool) (*Plan, error) {
	b, err := os.ReadFile(specPath)
	if err != nil {
		return nil, badinput.Errorf("cannot read spec: %v", err)
	}
	spec, err := ParseSpec(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", specPath, err)
	}
	p, err := Expand(spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", specPath, err)
	}
	p.ResolveData(base)
	return p, p.Write(out, force)
}

// EntryFromEnv is the entry a worker trains: the index from the flag or
// the environment (IndexFromEnv), checked against p.
func EntryFromEnv(p *Plan, flag string, getenv func(string) string) (Entry, error) {
	idx, src, err := IndexFromEnv(flag, getenv)
	if err != nil {
		return Entry{}, err
	}
	e, err := p.Entry(idx)
	if err != nil {
		return e, fmt.Errorf("%s: %w", src, err)
	}
	return e, nil
}

// CollectPlan collects p, writes DIR/collect.csv and DIR/summary.csv, and
// returns the collection with its report ("rbmscope sweep collect"): the
// counts and problems, then the files written.
func CollectPlan(p *Plan) (*Collection, []string, error) {
	c, err := Collect(p)
	if err != nil {
		return nil, nil, err
	}
	if err := c.Write(p.Dir()); err != nil {
		return nil, nil, err
	}
	return c, append(c.Lines(), fmt.Sprintf("wrote %s and %s", filepath.Join(p.Dir(), "collect.csv"), filepath.Join(p.Dir(), "summary.csv"))), nil
}
