package sweep

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/study"
)

// Steps are the post-training steps of an entry with their typed options
// (nil: the step is not run). The worker runs them in-process through the
// study package, as "rbmscope eval --run DIR", "rbmscope analyze --model
// FINAL --untrained INIT --out DIR/analysis" and "rbmscope symmetry --run
// DIR --out DIR/symmetry" would with the same options.
type Steps struct {
	Eval     *study.EvalOptions     `json:"eval,omitempty"`
	Analyze  *study.AnalyzeOptions  `json:"analyze,omitempty"`
	Symmetry *study.SymmetryOptions `json:"symmetry,omitempty"`
}

// Steps are the steps the spec asks for, with their options read from
// the spec's eval_args, analyze_args and symmetry_args by the flag
// definitions of the eval, analyze and symmetry commands (study.EvalFlags,
// AnalyzeFlags, SymmetryFlags). Data left out means the run's own.
func (s *Spec) Steps() (Steps, error) {
	var st Steps
	parse := func(name string, args []string, register func(*pflag.FlagSet)) error {
		f := pflag.NewFlagSet(name, pflag.ContinueOnError)
		f.SetOutput(io.Discard)
		register(f)
		if err := f.Parse(args); err != nil {
			return specErr("spec %s_args: %v", name, err)
		}
		if f.NArg() > 0 {
			return specErr("spec %s_args: unexpected argument %q", name, f.Arg(0))
		}
		return nil
	}
	if s.Eval {
		var get func() study.EvalOptions
		if err := parse("eval", s.EvalArgs, func(f *pflag.FlagSet) { get = study.EvalFlags(f) }); err != nil {
			return st, err
		}
		o := get()
		if err := o.Validate(); err != nil {
			return st, specErr("spec eval_args: %v", err)
		}
		st.Eval = &o
	}
	if s.Analyze {
		var get func() (study.AnalyzeOptions, error)
		if err := parse("analyze", s.AnalyzeArgs, func(f *pflag.FlagSet) { get = study.AnalyzeFlags(f) }); err != nil {
			return st, err
		}
		o, err := get()
		if err != nil {
			return st, specErr("spec analyze_args: %v", err)
		}
		st.Analyze = &o
	}
	if s.Symmetry {
		var get func() (study.SymmetryOptions, error)
		if err := parse("symmetry", s.SymmetryArgs, func(f *pflag.FlagSet) { get = study.SymmetryFlags(f) }); err != nil {
			return st, err
		}
		o, err := get()
		if err != nil {
			return st, specErr("spec symmetry_args: %v", err)
		}
		st.Symmetry = &o
	}
	return st, nil
}

// SetSteps gives every entry the steps st. The eval step of an entry
// evaluates its initialisation and its final checkpoint (Every = its
// epochs).
func (p *Plan) SetSteps(st Steps) {
	for i := range p.Entries {
		e := &p.Entries[i]
		e.Steps = Steps{Analyze: st.Analyze, Symmetry: st.Symmetry}
		if st.Eval != nil {
			o := *st.Eval
			o.Every = max(e.Config.Epochs, 1)
			e.Steps.Eval = &o
		}
	}
}

// AnalysisDir and SymmetryDir are where the analyze and symmetry steps
// write inside a run directory.
func AnalysisDir(runDir string) string { return filepath.Join(runDir, "analysis") }

// SymmetryDir: see AnalysisDir.
func SymmetryDir(runDir string) string { return filepath.Join(runDir, "symmetry") }

// runSteps runs the requested steps of e on its finished run directory
// and returns the names of those that ran.
func runSteps(ctx context.Context, dir string, e Entry) ([]string, error) {
	var ran []string
	st := e.Steps
	if st.Eval != nil {
		o := *st.Eval
		o.Quiet, o.Progress = true, nil
		if _, err := study.EvalRun(ctx, dir, o, nil); err != nil {
			return ran, fmt.Errorf("eval step: %w", err)
		}
		ran = append(ran, "eval")
	}
	if st.Analyze != nil || st.Symmetry != nil {
		cks, err := rundir.Checkpoints(dir)
		if err != nil || len(cks) == 0 {
			return ran, badinput.Errorf("no checkpoints to analyse in %s", dir)
		}
		if st.Analyze != nil {
			o := *st.Analyze
			o.Untrained, o.Progress = cks[0].Path, nil
			if o.Data == "" {
				o.Data = e.Config.Data
			}
			if _, err := study.Analyze(cks[len(cks)-1].Path, AnalysisDir(dir), o); err != nil {
				return ran, fmt.Errorf("analyze step: %w", err)
			}
			ran = append(ran, "analyze")
		}
		if st.Symmetry != nil {
			if err := symmetryStep(dir, e, cks, *st.Symmetry); err != nil {
				return ran, fmt.Errorf("symmetry step: %w", err)
			}
			ran = append(ran, "symmetry")
		}
	}
	return ran, nil
}

func symmetryStep(dir string, e Entry, cks []rundir.Checkpoint, o study.SymmetryOptions) error {
	o.Progress = nil
	if o.Data == "" {
		o.Data = e.Config.Data
	}
	test, err := study.SymmetryData(o.Data, o.Digits)
	if err != nil {
		return err
	}
	_, err = study.Symmetry(filepath.Base(filepath.Clean(dir)), dir, cks, test, SymmetryDir(dir), o)
	return err
}
