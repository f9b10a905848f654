package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
)

// SlurmOptions configure the Slurm executor.
type SlurmOptions struct {
	Exe      string   // rbmscope binary, as the compute nodes see it (absolute)
	Indices  []int    // entries to submit (default: those not done)
	Parallel int      // array tasks at once (default Spec.Resources.Parallel; 0 = no limit)
	Sbatch   string   // sbatch command (default "sbatch")
	Extra    []string // extra #SBATCH lines' options, e.g. "--account=abc"
}

// Submission records one submit of a sweep (DIR/submissions.json).
type Submission struct {
	Executor string    `json:"executor"`
	JobID    string    `json:"job_id,omitempty"`
	Time     time.Time `json:"time"`
	Indices  string    `json:"indices"` // e.g. 0-3,7
	File     string    `json:"file,omitempty"`
}

// ArrayRanges compresses sorted indices into Slurm's range syntax
// ("0-3,7,9-10").
func ArrayRanges(idx []int) string {
	idx = append([]int(nil), idx...)
	sort.Ints(idx)
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] <= idx[j]+1 {
			j++
		}
		if idx[j] == idx[i] {
			parts = append(parts, strconv.Itoa(idx[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", idx[i], idx[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// SlurmScript returns the sbatch array script for opts.Indices of p: one
// array task per entry, each running `rbmscope sweep worker` with the
// index from $SLURM_ARRAY_TASK_ID and as many BLAS threads as cores.
func SlurmScript(p *Plan, opts SlurmOptions) (string, error) {
	if len(opts.Indices) == 0 {
		return "", errors.New("no entries to submit")
	}
	for _, i := range opts.Indices {
		if _, err := p.Entry(i); err != nil {
			return "", err
		}
	}
	if !filepath.IsAbs(opts.Exe) {
		return "", specErr("the rbmscope binary path %q must be absolute for Slurm jobs", opts.Exe)
	}
	dir := p.Dir()
	if strings.ContainsAny(dir, " \t\n'\"\\$`%") {
		return "", specErr("sweep directory %q holds spaces, quotes or '%%', which #SBATCH lines cannot carry; use a plainer path", dir)
	}
	r := p.Spec.Resources
	par := opts.Parallel
	if par == 0 {
		par = r.Parallel
	}
	array := ArrayRanges(opts.Indices)
	if par > 0 {
		array += "%" + strconv.Itoa(par)
	}
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("#!/bin/bash")
	line("#SBATCH --job-name=rbmscope-%s", p.Name)
	line("#SBATCH --array=%s", array)
	line("#SBATCH --cpus-per-task=%d", max(r.CPUs, 1))
	if r.Memory != "" {
		line("#SBATCH --mem=%s", r.Memory)
	}
	if r.Time != "" {
		line("#SBATCH --time=%s", r.Time)
	}
	if r.Partition != "" {
		line("#SBATCH --partition=%s", r.Partition)
	}
	if r.GPUs > 0 {
		line("#SBATCH --gres=gpu:%d", r.GPUs)
	}
	line("#SBATCH --output=%s", filepath.Join(dir, "logs", "slurm-%A_%a.out"))
	line("#SBATCH --chdir=%s", dir)
	for _, x := range opts.Extra {
		if !strings.HasPrefix(x, "--") || strings.ContainsAny(x, "\n") {
			return "", specErr("extra sbatch option %q must start with -- and be one line", x)
		}
		line("#SBATCH %s", x)
	}
	line("")
	line("# Written by `rbmscope sweep submit --executor slurm`: array task I trains plan entry I")
	line("# into %s/runs/<id>/ and resumes from its newest checkpoint if it ran before.", dir)
	line("threads=${SLURM_CPUS_PER_TASK:-1}")
	line("export OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads GOMAXPROCS=$threads")
	line("exec %s sweep worker --plan %s", shellQuote(opts.Exe), shellQuote(p.Path()))
	return b.String(), nil
}

// SubmitSlurm writes DIR/sweep.sbatch for the pending entries (or
// opts.Indices), submits it with `sbatch --parsable` and records the job
// id in DIR/submissions.json. It returns nil and no error when every entry
// is already done.
func SubmitSlurm(ctx context.Context, p *Plan, opts SlurmOptions, dryRun bool) (*Submission, error) {
	if len(opts.Indices) == 0 {
		opts.Indices = Pending(p)
		if len(opts.Indices) == 0 {
			return nil, nil
		}
	}
	script, err := SlurmScript(p, opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(p.Dir(), "logs"), 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(p.Dir(), "sweep.sbatch")
	if err := writeBytesMode(path, []byte(script)); err != nil {
		return nil, err
	}
	sub := &Submission{Executor: "slurm", Time: time.Now().UTC(), Indices: ArrayRanges(opts.Indices), File: path}
	if dryRun {
		return sub, nil
	}
	sbatch := opts.Sbatch
	if sbatch == "" {
		sbatch = "sbatch"
	}
	if _, err := exec.LookPath(sbatch); err != nil {
		return nil, fmt.Errorf("%s is not on PATH: is this a Slurm login node? (the script is in %s)", sbatch, path)
	}
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, sbatch, "--parsable", path)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("sbatch failed (%v): %s", err, oneLine(errb.String()))
	}
	id, err := parseJobID(out.String())
	if err != nil {
		return nil, err
	}
	sub.JobID = id
	return sub, RecordSubmission(p, *sub)
}

// parseJobID reads `sbatch --parsable` output: "ID" or "ID;cluster".
func parseJobID(s string) (string, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	if _, err := strconv.ParseUint(s, 10, 64); err != nil {
		return "", fmt.Errorf("sbatch printed %q, not a job id", s)
	}
	return s, nil
}

// RecordSubmission appends s to DIR/submissions.json.
func RecordSubmission(p *Plan, s Submission) error {
	subs, err := Submissions(p)
	if err != nil {
		return err
	}
	return writeJSON(filepath.Join(p.Dir(), "submissions.json"), append(subs, s))
}

// Submissions reads DIR/submissions.json (none if it does not exist).
func Submissions(p *Plan) ([]Submission, error) {
	var subs []Submission
	err := readJSON(filepath.Join(p.Dir(), "submissions.json"), &subs)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return subs, err
}

// TaskState is what squeue says about one array task.
type TaskState struct {
	JobID string `json:"job_id"`
	Index int    `json:"index"`
	State string `json:"state"` // PENDING, RUNNING, COMPLETING, …
}

// ErrNoSqueue means squeue is not on PATH.
var ErrNoSqueue = errors.New("squeue is not on PATH")

// Squeue asks squeue for the array tasks of jobIDs that Slurm still
// knows (finished tasks vanish without accounting; the run directories
// are the record of those).
func Squeue(ctx context.Context, jobIDs []string) ([]TaskState, error) {
	if len(jobIDs) == 0 {
		return nil, nil
	}
	if _, err := exec.LookPath("squeue"); err != nil {
		return nil, ErrNoSqueue
	}
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "squeue", "--noheader", "--array", "--jobs="+strings.Join(jobIDs, ","), "--format=%F|%K|%T")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := errb.String()
		if strings.Contains(msg, "Invalid job id") { // every job has left the queue
			return nil, nil
		}
		return nil, fmt.Errorf("squeue failed (%v): %s", err, oneLine(msg))
	}
	return parseSqueue(out.String()), nil
}

// parseSqueue reads lines "ARRAYJOBID|INDEX|STATE"; a pending range such
// as "4-7%2" becomes one task per index.
func parseSqueue(s string) []TaskState {
	var out []TaskState
	for _, ln := range strings.Split(s, "\n") {
		f := strings.Split(strings.TrimSpace(ln), "|")
		if len(f) != 3 {
			continue
		}
		idx := f[1]
		if i := strings.IndexByte(idx, '%'); i >= 0 {
			idx = idx[:i]
		}
		for _, part := range strings.Split(idx, ",") {
			lo, hi, ok := strings.Cut(part, "-")
			a, err := strconv.Atoi(lo)
			if err != nil {
				continue
			}
			b := a
			if ok {
				if b, err = strconv.Atoi(hi); err != nil || b < a || b-a > 1<<20 {
					continue
				}
			}
			for i := a; i <= b; i++ {
				out = append(out, TaskState{JobID: f[0], Index: i, State: f[2]})
			}
		}
	}
	return out
}

func writeBytesMode(path string, b []byte) error {
	if err := atomicfile.WriteBytes(path, b); err != nil {
		return err
	}
	return os.Chmod(path, 0o755)
}
