package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/sweep"
	"github.com/rbmscope/rbmscope/train"
)

var sweepCmd = &cobra.Command{
	Use:   "sweep",
	Short: "Plan, run and collect many training runs (local pool, Slurm array, Kubernetes Indexed Job)",
	Long: `A sweep trains a grid of RBMs (hidden sizes × methods × k × learning rates × epochs ×
replicas). "plan" expands a YAML or JSON spec into DIR/plan.json; "submit" hands the entries to
an engine (a local process pool, a Slurm job array, or a Kubernetes Indexed Job manifest);
each engine task runs "worker", which trains one entry into DIR/runs/<id>/ and resumes it if
an earlier worker was killed; "status" and "collect" read the run directories back.`,
	Example: `  rbmscope sweep plan --spec sweep.yaml --out sweeps/paper
  rbmscope sweep submit --plan sweeps/paper --executor local
  rbmscope sweep submit --plan sweeps/paper --executor slurm
  rbmscope sweep status --plan sweeps/paper
  rbmscope sweep collect --plan sweeps/paper`,
	Args: cobra.NoArgs,
}

var sweepFlags struct {
	spec, out, plan, index, executor, exe string
	image, pvc, namespace                 string
	sbatchArgs                            []string
	workers, threads, parallel            int
	force, json, quiet, dryRun            bool
}

var sweepPlanCmd = &cobra.Command{
	Use:   "plan",
	Short: "Expand a sweep spec (YAML or JSON) into DIR/plan.json",
	Long: `Expand a spec into DIR/plan.json: one entry per run with a stable id
(h500-pcd-k10-lr0.001-r0), its full training configuration, and the spec itself.

Spec fields: name; grid lists hidden, method, k, lr, epochs; replicas and/or seeds (one per
replica; default train.seed + replica); train: fixed settings by their run.json names (data,
batch, chains, optimizer, …, the rest are "rbmscope train" defaults); eval, analyze, symmetry (steps
after training, run in the worker) with eval_args, analyze_args, symmetry_args (their flags, stored in
the plan as typed options); resources: cpus, memory (4G), time (HH:MM:SS), partition, gpus, parallel;
kubernetes: image, pvc, mount, sub_path, namespace, backoff_limit.`,
	Example: `  cat > sweep.yaml <<EOF
  name: paper
  hidden: [100, 250, 500, 1000]
  method: [pcd]
  k: [10]
  lr: [0.001]
  replicas: 5
  train: {data: mnist, batch: 100, epochs: 20}
  resources: {cpus: 4, memory: 4G, time: "12:00:00", partition: batch}
  EOF
  rbmscope sweep plan --spec sweep.yaml --out sweeps/paper`,
	Args: cobra.NoArgs,
	RunE: runSweepPlan,
}

var sweepWorkerCmd = &cobra.Command{
	Use:   "worker",
	Short: "Train one plan entry (index from --index, $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX)",
	Long: `Train entry I of a plan into DIR/runs/<id>/, resuming from its newest checkpoint if an
earlier worker was killed, then write DIR/runs/<id>/done. An entry already done is skipped; a
failure writes DIR/runs/<id>/failed with the error. SIGINT/SIGTERM (Slurm's time limit,
scancel, pod eviction) stop at the next minibatch without marking the entry failed.`,
	Example: `  rbmscope sweep worker --plan sweeps/paper/plan.json --index 3
  SLURM_ARRAY_TASK_ID=3 rbmscope sweep worker --plan sweeps/paper`,
	Args: cobra.NoArgs,
	RunE: runSweepWorker,
}

var sweepCollectCmd = &cobra.Command{
	Use:   "collect",
	Short: "Tabulate a sweep's run directories: DIR/collect.csv and DIR/summary.csv",
	Long: `Read every run directory of a plan (and nothing else) and write DIR/collect.csv (one row
per entry: state, final recon error, pseudo-LL, AIS/RAIS log-likelihoods if evaluated, training
seconds) and DIR/summary.csv (mean and sample sd over the done replicas of each group). Entries
that are missing, running, stopped or failed are listed on stderr with the reason.`,
	Example: `  rbmscope sweep collect --plan sweeps/paper
  rbmscope sweep collect --plan sweeps/paper --json | jq '.groups[] | {group, pseudo_ll}'`,
	Args: cobra.NoArgs,
	RunE: runSweepCollect,
}

var sweepSubmitCmd = &cobra.Command{
	Use:   "submit",
	Short: "Run a plan's pending entries: --executor local, slurm or k8s",
	Long: `local: a pool of "rbmscope sweep worker" child processes on this machine, workers × BLAS
threads ≤ cores (OPENBLAS_NUM_THREADS and GOMAXPROCS are set per worker); logs in DIR/logs/.
slurm: writes DIR/sweep.sbatch, an array job with one task per pending entry and the spec's
resources, submits it with "sbatch --parsable" and records the job id in DIR/submissions.json.
k8s: writes DIR/k8s-job.yaml, an Indexed Job (one completion index per entry) that mounts the
sweep directory from a PersistentVolumeClaim; apply it with kubectl.
Entries already done are never rerun; submitting again finishes the rest.`,
	Example: `  rbmscope sweep submit --plan sweeps/paper --executor local --workers 2
  rbmscope sweep submit --plan sweeps/paper --executor slurm --parallel 10 --sbatch-arg=--account=phys
  rbmscope sweep submit --plan sweeps/paper --executor k8s --image ghcr.io/me/rbmscope:1 --pvc sweeps
  kubectl apply -f sweeps/paper/k8s-job.yaml`,
	Args: cobra.NoArgs,
	RunE: runSweepSubmit,
}

var sweepStatusCmd = &cobra.Command{
	Use:   "status",
	Short: "Progress of a sweep from its run directories (and squeue, if present)",
	Example: `  rbmscope sweep status --plan sweeps/paper
  rbmscope sweep status --plan sweeps/paper --json`,
	Args: cobra.NoArgs,
	RunE: runSweepStatus,
}

func init() {
	f := &sweepFlags
	p := sweepPlanCmd.Flags()
	p.StringVar(&f.spec, "spec", "", "sweep spec, YAML or JSON (required)")
	p.StringVar(&f.out, "out", "", "sweep directory to write plan.json into (required)")
	p.BoolVar(&f.force, "force", false, "replace a different plan already in --out")
	p.BoolVar(&f.json, "json", false, "print the plan's entries as JSON on stdout")

	w := sweepWorkerCmd.Flags()
	w.StringVar(&f.index, "index", "", "entry index (default $SLURM_ARRAY_TASK_ID, then $JOB_COMPLETION_INDEX)")
	w.BoolVar(&f.quiet, "quiet", false, "no progress output")

	c := sweepCollectCmd.Flags()
	c.BoolVar(&f.json, "json", false, "print the collection as JSON on stdout")

	s := sweepSubmitCmd.Flags()
	s.StringVar(&f.executor, "executor", "local", "local, slurm or k8s")
	s.IntVar(&f.workers, "workers", 0, "local: concurrent workers (0 = from the cores)")
	s.IntVar(&f.threads, "threads", 0, "local: BLAS threads per worker (0 = cores / workers)")
	s.IntVar(&f.parallel, "parallel", 0, "slurm/k8s: tasks at once (0 = resources.parallel of the spec, else no limit)")
	s.StringVar(&f.exe, "exe", "", "slurm/local: rbmscope binary the workers run (default this one)")
	s.StringArrayVar(&f.sbatchArgs, "sbatch-arg", nil, "slurm: extra #SBATCH option, e.g. --sbatch-arg=--account=abc (repeatable)")
	s.BoolVar(&f.dryRun, "dry-run", false, "slurm: write the script but do not submit it")
	s.StringVar(&f.image, "image", "", "k8s: container image with rbmscope on its PATH (default kubernetes.image)")
	s.StringVar(&f.pvc, "pvc", "", "k8s: PersistentVolumeClaim holding the sweep directory (default kubernetes.pvc)")
	s.StringVar(&f.namespace, "namespace", "", "k8s: namespace (default kubernetes.namespace)")
	s.BoolVar(&f.json, "json", false, "print the submission as JSON on stdout")
	s.BoolVar(&f.quiet, "quiet", false, "no progress output")

	st := sweepStatusCmd.Flags()
	st.BoolVar(&f.json, "json", false, "print the status as JSON on stdout")

	for _, cmd := range []*cobra.Command{sweepWorkerCmd, sweepCollectCmd, sweepSubmitCmd, sweepStatusCmd} {
		cmd.Flags().StringVar(&f.plan, "plan", "", "plan.json of the sweep, or its directory (required)")
	}
	sweepCmd.AddCommand(sweepPlanCmd, sweepWorkerCmd, sweepCollectCmd, sweepSubmitCmd, sweepStatusCmd)
	rootCmd.AddCommand(sweepCmd)
}

// sweepErr marks a missing plan or spec file as bad input (bad specs,
// plans and indices already are).
func sweepErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return badinput.Wrap(err)
	}
	return err
}

func readSweepPlan() (*sweep.Plan, error) {
	if sweepFlags.plan == "" {
		return nil, badinput.Errorf("--plan is required (the plan.json written by `rbmscope sweep plan`, or its directory)")
	}
	return sweep.ReadPlan(sweepFlags.plan)
}

func runSweepPlan(_ *cobra.Command, _ []string) error {
	f := &sweepFlags
	if f.spec == "" || f.out == "" {
		return badinput.Errorf("--spec and --out are required, e.g. rbmscope sweep plan --spec sweep.yaml --out sweeps/x")
	}
	wd, _ := os.Getwd()
	p, err := sweep.PlanSpec(f.spec, f.out, wd, f.force)
	if err != nil {
		return sweepErr(err)
	}
	printLines(p.Lines())
	if f.json {
		return printJSON(p.Entries)
	}
	return nil
}

func runSweepWorker(_ *cobra.Command, _ []string) error {
	p, err := readSweepPlan()
	if err != nil {
		return err
	}
	e, err := sweep.EntryFromEnv(p, sweepFlags.index, os.Getenv)
	if err != nil {
		return sweepErr(err)
	}
	idx := e.Index
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	prog := newProgress("epoch", e.Config.Epochs, sweepFlags.quiet)
	prog.logf("entry %d/%d %s → %s", idx, len(p.Entries), e.ID, p.RunDir(e))
	res, err := sweep.RunWorker(ctx, p, idx, sweep.WorkerOptions{Engine: sweep.EngineFromEnv(os.Getenv),
		Progress: func(ev train.Event) { showTrainEvent(prog, ev) }})
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("entry %d (%s) stopped by signal; its last finished epoch is saved and the next worker resumes it", idx, e.ID)
	case err != nil:
		return sweepErr(err)
	case res.Busy != nil:
		fmt.Fprintln(os.Stderr, res.Line()) // even with --quiet: the one line that says why nothing ran
	default:
		prog.logf("%s", res.Line())
	}
	return nil
}

func runSweepCollect(_ *cobra.Command, _ []string) error {
	p, err := readSweepPlan()
	if err != nil {
		return err
	}
	c, lines, err := sweep.CollectPlan(p)
	if err != nil {
		return err
	}
	printLines(lines)
	if sweepFlags.json {
		return printJSON(c)
	}
	return nil
}

func printLines(lines []string) {
	for _, l := range lines {
		fmt.Fprintln(os.Stderr, l)
	}
}

func runSweepSubmit(_ *cobra.Command, _ []string) error {
	f := &sweepFlags
	p, err := readSweepPlan()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	prog := newProgress("runs", len(sweep.Pending(p)), f.quiet)
	sub, err := sweep.Submit(ctx, p, sweep.SubmitOptions{Executor: f.executor, Exe: f.exe, DryRun: f.dryRun,
		Local: sweep.LocalOptions{Workers: f.workers, Threads: f.threads, OnExit: func(r sweep.LocalResult) {
			note := fmt.Sprintf("%s %.1fs", r.ID, r.Seconds)
			if r.Err != nil {
				prog.logf("%v", r.Err)
				note = r.ID + " failed"
			}
			prog.step(1, note)
		}},
		Slurm: sweep.SlurmOptions{Parallel: f.parallel, Extra: f.sbatchArgs},
		K8s:   sweep.K8sOptions{Image: f.image, PVC: f.pvc, Namespace: f.namespace, Parallel: f.parallel}})
	if sub != nil {
		printLines(sub.Lines)
		if f.json && sub.Value != nil {
			if jerr := printJSON(sub.Value); jerr != nil && err == nil {
				err = jerr
			}
		}
	}
	return sweepErr(err)
}

func runSweepStatus(_ *cobra.Command, _ []string) error {
	p, err := readSweepPlan()
	if err != nil {
		return err
	}
	st, err := sweep.ReadStatus(context.Background(), p)
	if err != nil {
		return err
	}
	if sweepFlags.json {
		return printJSON(st)
	}
	printLines(st.Lines())
	return nil
}
