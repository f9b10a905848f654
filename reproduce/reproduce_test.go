package reproduce

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/study"
	"github.com/rbmscope/rbmscope/sweep"
)

func TestPresets(t *testing.T) {
	for _, name := range Presets {
		s, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("preset %s does not validate: %v", name, err)
		}
	}
	// The paper preset carries the authors' settings (docs/theory.md §Settings).
	p, _ := Preset("paper")
	if !equalInts(p.Hidden, []int{500, 784, 1200, 3000}) || p.Replicas != 5 || p.Method != "pcd" || p.Batch != 500 ||
		p.Optimizer != "adam" || p.K != 500 || p.Epochs != 100 || p.CheckEvery != 1 || p.InitStd != 0.01 || p.AISSchedule != "linear" ||
		p.Epochs/p.EvalEvery != 10 || p.AISBetas != 20000 || p.AISChains != 200 || p.GibbsChains != 1000 || p.GibbsSteps != 500 ||
		p.JSBins != 1000 || p.ProbeChains != 200 || p.ProbeSteps != 1000 || p.TestLimit != 0 || p.TrainLimit != 0 {
		t.Errorf("paper preset differs from docs/theory.md §Settings: %+v", p)
	}
	if _, err := Preset("huge"); err == nil || !strings.Contains(err.Error(), "quick") {
		t.Errorf("unknown preset: %v", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestValidateRejects(t *testing.T) {
	for _, c := range []struct {
		name, want string
		mut        func(*Settings)
	}{
		{"no sizes", "hidden", func(s *Settings) { s.Hidden = nil }},
		{"repeated size", "twice", func(s *Settings) { s.Hidden = []int{10, 10} }},
		{"zero replicas", "replicas", func(s *Settings) { s.Replicas = 0 }},
		{"zero betas", "ais-betas", func(s *Settings) { s.AISBetas = 0 }},
		{"train limit below batch", "train-limit", func(s *Settings) { s.TrainLimit = 10 }},
		{"few gibbs chains", "gibbs-chains", func(s *Settings) { s.GibbsChains = 5 }},
		{"one kurtosis size", "kurt-sizes", func(s *Settings) { s.KurtSizes = []int{100} }},
		{"bad schedule", "ais-schedule", func(s *Settings) { s.AISSchedule = "cubic" }},
		{"resample above 1", "ais-resample", func(s *Settings) { s.AISResample = 2 }},
		{"bad method", "method", func(s *Settings) { s.Method = "gibbs" }},
		{"bad LL estimator", "ll-estimator", func(s *Settings) { s.LLEstimator = "exact" }},
		{"no probe draws", "probe-draws", func(s *Settings) { s.ProbeDraws = 0 }},
		{"negative lr", "learning rate", func(s *Settings) { s.LR = -1 }},
	} {
		s, _ := Preset("tiny")
		c.mut(&s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
}

func TestPlanEntries(t *testing.T) {
	s, _ := Preset("tiny")
	s.Seed = 7
	p, err := s.Plan()
	if err != nil {
		t.Fatal(err)
	}
	// The grid, then MethodsHidden × replicas for each other method of Fig. 3f.
	extra := s.ExtraMethods()
	if len(extra) != 2 || len(p.Entries) != (len(s.Hidden)+len(extra))*s.Replicas {
		t.Fatalf("%d entries (extra methods %v), want %d", len(p.Entries), extra, (len(s.Hidden)+len(extra))*s.Replicas)
	}
	ids := map[string]bool{}
	for i, e := range p.Entries {
		ids[e.ID] = true
		if e.Index != i {
			t.Errorf("entry %d has index %d", i, e.Index)
		}
		want := s.TrainConfig(e.Config.Hidden, e.Replica)
		if i >= len(s.Hidden)*s.Replicas {
			want = s.TrainConfig(s.MethodsHidden, e.Replica)
			want.Method = extra[(i-len(s.Hidden)*s.Replicas)/s.Replicas]
		}
		if e.Config != want {
			t.Errorf("%s: config %+v, want %+v", e.ID, e.Config, want)
		}
		if e.Config.Seed != 7+uint64(e.Replica) {
			t.Errorf("%s: seed %d", e.ID, e.Config.Seed)
		}
	}
	if len(ids) != len(p.Entries) {
		t.Error("run ids are not unique")
	}
}

// tinyRun runs the tiny preset once for the tests that read its output.
var tinyRun struct {
	once sync.Once
	dir  string
	res  *Result
	err  error
}

func runTiny(t *testing.T) (string, *Result) {
	t.Helper()
	tinyRun.once.Do(func() {
		tinyRun.dir, tinyRun.err = os.MkdirTemp("", "reproduce-tiny-")
		if tinyRun.err != nil {
			return
		}
		s, _ := Preset("tiny")
		tinyRun.res, tinyRun.err = Run(context.Background(), s, Options{Out: tinyRun.dir})
	})
	if tinyRun.err != nil {
		t.Fatal(tinyRun.err)
	}
	return tinyRun.dir, tinyRun.res
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tinyRun.dir != "" {
		os.RemoveAll(tinyRun.dir)
	}
	os.Exit(code)
}

func TestTinyPipeline(t *testing.T) {
	dir, res := runTiny(t)
	if len(res.Failures) != 0 {
		t.Fatalf("failures: %+v", res.Failures)
	}
	s, _ := Preset("tiny")
	for _, f := range []string{"settings.json", "plan.json", "report.html", "results/summary.json", "results/runs.csv", "results/ll.csv",
		"results/landscapes.json", "results/probe.json"} {
		if !exists(filepath.Join(dir, f)) {
			t.Errorf("missing %s", f)
		}
	}
	wantFigs := []string{"fig1_left", "fig1_right", "fig2", "fig3_mp", "fig3e", "fig3f", "fig4", "fig5", "fig6", "fig7", "fig8",
		"dynamics_relaxation", "dynamics_langevin"} // the last two: rbmscope adds
	for _, f := range wantFigs {
		for _, ext := range []string{".png", ".svg"} {
			if st, err := os.Stat(filepath.Join(dir, "figures", f+ext)); err != nil || st.Size() == 0 {
				t.Errorf("figure %s%s missing or empty", f, ext)
			}
		}
	}
	if len(res.Figures) != 2*len(wantFigs) {
		t.Errorf("%d figure files, want %d", len(res.Figures), 2*len(wantFigs))
	}
	var saved Settings
	b, _ := os.ReadFile(filepath.Join(dir, "settings.json"))
	if err := json.Unmarshal(b, &saved); err != nil || !equalInts(saved.Hidden, s.Hidden) || saved.AISBetas != s.AISBetas {
		t.Errorf("settings.json does not hold the settings: %v %+v", err, saved)
	}

	plan, err := sweep.ReadPlan(dir)
	if err != nil {
		t.Fatal(err)
	}
	test, err := dataset.Load("mnist", dataset.Test, dataset.Binarize{})
	if err != nil {
		t.Fatal(err)
	}
	test = test.Head(s.TestLimit)
	sum := res.Summary
	for _, e := range plan.Entries {
		rd := plan.RunDir(e)
		if _, err := sweep.ReadDone(rd); err != nil {
			t.Errorf("%s: no done marker", e.ID)
		}
		if e.Config.Method != s.Method {
			continue // Fig. 3f runs: spectrum only (checked by the claims below)
		}
		// LL of the evaluated checkpoints is in metrics.csv and agrees with
		// exact enumeration (the hidden layer has ≤ 20 units).
		ms, err := rundir.ReadMetrics(rd)
		if err != nil {
			t.Fatal(err)
		}
		evaluated := 0
		for _, m := range ms {
			if math.IsNaN(m.LLAIS) {
				t.Errorf("%s epoch %d: no AIS estimate (eval every %d)", e.ID, m.Epoch, s.EvalEvery)
				continue
			}
			evaluated++
			if e.Config.Hidden > 12 {
				continue // exact enumeration of 2^M states: keep it cheap
			}
			md, err := rbm.Load(rundir.CheckpointPath(rd, m.Epoch))
			if err != nil {
				t.Fatal(err)
			}
			exact, err := partition.ExactLogLikelihood(md, test.X)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(m.LLAIS-exact) > 0.5 || math.Abs(m.LLRAIS-exact) > 0.5 {
				t.Errorf("%s epoch %d: LL AIS %.3f, RAIS %.3f, exact %.3f", e.ID, m.Epoch, m.LLAIS, m.LLRAIS, exact)
			}
		}
		if evaluated != s.Epochs+1 { // the initialisation too
			t.Errorf("%s: %d checkpoints evaluated, want %d", e.ID, evaluated, s.Epochs+1)
		}
		// σ₁ in the summary is the leading singular value of the final W.
		var rs *RunSummary
		for i := range sum.Runs {
			if sum.Runs[i].ID == e.ID {
				rs = &sum.Runs[i]
			}
		}
		if rs == nil || rs.Status != "done" {
			t.Fatalf("%s: not in the summary as done", e.ID)
		}
		md, _ := rbm.Load(rundir.CheckpointPath(rd, s.Epochs))
		f, err := reciprocal.NewFrame(md, "")
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(rs.Sigma1-f.S[0]) > 1e-9*f.S[0] {
			t.Errorf("%s: summary σ₁ %v, SVD %v", e.ID, rs.Sigma1, f.S[0])
		}
		md0, _ := rbm.Load(rundir.CheckpointPath(rd, 0))
		f0, _ := reciprocal.NewFrame(md0, "")
		if math.Abs(rs.Sigma1Untrained-f0.S[0]) > 1e-9*f0.S[0] {
			t.Errorf("%s: untrained σ₁ %v, SVD %v", e.ID, rs.Sigma1Untrained, f0.S[0])
		}
		if rs.BreakingEpoch < -1 || rs.BreakingEpoch > s.Epochs || math.IsNaN(rs.JSRatio) {
			t.Errorf("%s: symmetry/JS numbers missing: %+v", e.ID, rs)
		}
	}
	if len(sum.Claims) < 8 {
		t.Errorf("%d claims, want one per figure group (≥ 8)", len(sum.Claims))
	}
	html, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if n := strings.Count(string(html), `<img class="fig"`); n != len(wantFigs) {
		t.Errorf("report has %d figures, want %d", n, len(wantFigs))
	}
	if sum.Dynamics == nil || !strings.Contains(string(html), "every mode with σ &gt; 4 relaxes slower") {
		t.Errorf("the dynamics claim is missing (summary %+v)", sum.Dynamics)
	}
	for _, want := range []string{"table-claims", "table-ll", "table-spectrum", "table-js", "table-symmetry", "table-gauss", "table-probe", "This run shows"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report lacks %s", want)
		}
	}
}

// TestLLEstimatorBoth: --ll-estimator both runs the trajectory estimator
// over every checkpoint besides AIS/RAIS, and Fig. 1 left draws its curve
// (one size, one replica, no other methods: seconds).
func TestLLEstimatorBoth(t *testing.T) {
	if testing.Short() {
		t.Skip("a tiny pipeline (~5 s)")
	}
	s, _ := Preset("tiny")
	s.Hidden, s.Replicas, s.Methods, s.LLEstimator = []int{10}, 1, []string{"pcd"}, "both"
	dir := t.TempDir()
	res, err := Run(context.Background(), s, Options{Out: dir})
	if err != nil || len(res.Failures) != 0 {
		t.Fatalf("err %v, failures %+v", err, res.Failures)
	}
	id := res.Summary.Runs[0].ID
	var traj []study.TrajectoryPoint
	if err := readJSONFile(filepath.Join(dir, "results", "eval", id+".traj.json"), &traj); err != nil || len(traj) != s.Epochs+1 {
		t.Fatalf("trajectory points: %d (%v), want one per checkpoint (%d)", len(traj), err, s.Epochs+1)
	}
	p := &pipeline{s: s, dir: dir}
	p.plan, _ = s.Plan()
	series := p.llSeries(res.Summary)
	if len(series) != 1 || len(series[0].Traj) != 1 || len(series[0].TrajEpochs) != s.Epochs+1 || len(series[0].AIS) != 1 {
		t.Fatalf("Fig. 1 series: %+v", series)
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "figures", "fig1_left.svg"))
	if !strings.Contains(string(svg), "M=10 trajectory") || !strings.Contains(string(svg), "M=10 AIS") {
		t.Error("Fig. 1 left lacks the trajectory or the AIS curve")
	}
	for _, c := range res.Summary.Claims {
		if c.ID == "fig1-training" && c.Verdict == VerdictNotMeasured {
			t.Errorf("fig1-training not measured with both estimators: %s", c.Shows)
		}
	}
}

func TestRerunSkipsFinishedWork(t *testing.T) {
	dir, first := runTiny(t)
	s, _ := Preset("tiny")
	plan, _ := sweep.ReadPlan(dir)
	before := map[string]int64{}
	for _, e := range plan.Entries {
		st, err := os.Stat(filepath.Join(plan.RunDir(e), sweep.DoneFile))
		if err != nil {
			t.Fatal(err)
		}
		before[e.ID] = st.ModTime().UnixNano()
	}
	res, err := Run(context.Background(), s, Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	nMain := len(s.Hidden) * s.Replicas
	// eval, analyze, track, js per run (analyze only for Fig. 3f's other
	// methods); landscapes, probe and dynamics, each of the latter two also
	// on the other replicas of its size.
	wantSteps := 4*nMain + (len(plan.Entries) - nMain) + 3 + 2*(s.Replicas-1)
	if len(res.Skipped) != wantSteps {
		t.Errorf("rerun skipped %d steps, want %d: %v", len(res.Skipped), wantSteps, res.Skipped)
	}
	for _, e := range plan.Entries {
		st, _ := os.Stat(filepath.Join(plan.RunDir(e), sweep.DoneFile))
		if st.ModTime().UnixNano() != before[e.ID] {
			t.Errorf("%s was trained again", e.ID)
		}
	}
	for i, r := range res.Summary.Runs {
		a, b := r, first.Summary.Runs[i]
		if a.Sigma1 != b.Sigma1 || !sameFloat(a.JS, b.JS) || a.BreakingEpoch != b.BreakingEpoch || !sameFloat(a.LLAIS, b.LLAIS) {
			t.Errorf("%s: rerun summary differs: %+v vs %+v", a.ID, a, b)
		}
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// A run that cannot train is recorded as failed; the others, the figures
// and the report still complete.
func TestFailedRunIsIsolated(t *testing.T) {
	s, _ := Preset("tiny")
	s.Hidden, s.Replicas, s.Epochs = []int{10, 20}, 1, 1
	dir := t.TempDir()
	plan, err := s.Plan()
	if err != nil {
		t.Fatal(err)
	}
	bad := plan.Entries[0]
	if err := os.MkdirAll(filepath.Join(dir, "runs", bad.ID), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "runs", bad.ID, "run.json"), []byte("{not json"), 0o644)
	res, err := Run(context.Background(), s, Options{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) == 0 || res.Failures[0].Step != "train/"+bad.ID {
		t.Fatalf("failures %+v, want train/%s", res.Failures, bad.ID)
	}
	if _, err := sweep.ReadFailed(filepath.Join(dir, "runs", bad.ID)); err != nil {
		t.Errorf("no failed marker: %v", err)
	}
	good := plan.Entries[1]
	if _, err := sweep.ReadDone(filepath.Join(dir, "runs", good.ID)); err != nil {
		t.Errorf("the healthy run did not finish: %v", err)
	}
	var statuses []string
	for _, r := range res.Summary.Runs {
		statuses = append(statuses, r.ID+"="+r.Status)
	}
	if res.Summary.Runs[0].Status != "failed" || res.Summary.Runs[1].Status != "done" {
		t.Errorf("statuses %v", statuses)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "train/"+bad.ID) {
		t.Error("report does not list the failed run")
	}
	var fs []Failure
	b, _ := os.ReadFile(filepath.Join(dir, "results", "failures.json"))
	if json.Unmarshal(b, &fs) != nil || len(fs) != len(res.Failures) {
		t.Errorf("failures.json: %s", b)
	}
}

func TestBadInput(t *testing.T) {
	s, _ := Preset("tiny")
	if _, err := Run(context.Background(), s, Options{}); !badinput.Is(err) {
		t.Errorf("no --out: %v", err)
	}
	s.Replicas = 0
	if _, err := Run(context.Background(), s, Options{Out: t.TempDir()}); !badinput.Is(err) {
		t.Errorf("bad settings: %v", err)
	}
	// A directory holding a different plan is refused unless forced.
	dir := t.TempDir()
	s, _ = Preset("tiny")
	p, _ := s.Plan()
	if err := p.Write(dir, false); err != nil {
		t.Fatal(err)
	}
	s.Hidden = []int{12}
	if _, err := Run(context.Background(), s, Options{Out: dir, NoFigures: true}); !badinput.Is(err) || !strings.Contains(err.Error(), "different plan") {
		t.Errorf("different plan: %v", err)
	}
}

// A second reproduce on a directory that a live process owns is refused
// before any work, naming the holder.
func TestBusyDirectory(t *testing.T) {
	dir := t.TempDir()
	lk, err := rundir.Acquire(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Release()
	s, _ := Preset("tiny")
	_, err = Run(context.Background(), s, Options{Out: dir, NoFigures: true})
	var busy *rundir.BusyError
	if !errors.As(err, &busy) || busy.Holder.PID != os.Getpid() {
		t.Fatalf("got %v, want a BusyError naming this process", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "plan.json")); err == nil {
		t.Error("the refused reproduce wrote plan.json")
	}
}
