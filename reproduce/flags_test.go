package reproduce

import (
	"slices"
	"testing"

	"github.com/spf13/pflag"

	"github.com/rbmscope/rbmscope/internal/badinput"
)

// TestFlagsOverridePreset: flags given on the command line replace the
// preset's values; the others keep them.
func TestFlagsOverridePreset(t *testing.T) {
	f := pflag.NewFlagSet("reproduce", pflag.ContinueOnError)
	settings := Flags(f)
	if err := f.Parse([]string{"--hidden", "10,30", "--lr", "0.0025", "--seed", "9", "--data", "x.npy", "--ais-resample", "0"}); err != nil {
		t.Fatal(err)
	}
	s, err := settings("tiny")
	if err != nil {
		t.Fatal(err)
	}
	tiny, _ := Preset("tiny")
	if !slices.Equal(s.Hidden, []int{10, 30}) || s.LR != 0.0025 || s.Seed != 9 || s.Data != "x.npy" || s.AISResample != 0 {
		t.Errorf("overrides lost: %+v", s)
	}
	if s.Epochs != tiny.Epochs || s.AISBetas != tiny.AISBetas || !slices.Equal(s.MPSizes, tiny.MPSizes) || s.RAISGibbs != tiny.RAISGibbs {
		t.Errorf("preset values lost: %+v", s)
	}
	if !slices.Equal(s.Methods, tiny.Methods) || s.LLCombine != "logmeanexp" || s.Series != "all" || s.KurtLayer != "visible" {
		t.Errorf("new settings' defaults lost: %+v", s)
	}
	if _, err := settings("nope"); !badinput.Is(err) {
		t.Errorf("unknown preset: %v", err)
	}
	g := pflag.NewFlagSet("reproduce", pflag.ContinueOnError)
	bad := Flags(g)
	if err := g.Parse([]string{"--hidden", "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := bad("tiny"); !badinput.Is(err) {
		t.Errorf("hidden 1: %v", err)
	}
}

// TestFlagsAuthorsSettings: --methods, --ll-combine, --series and
// --kurt-layer reach the settings; bad values are bad input.
func TestFlagsAuthorsSettings(t *testing.T) {
	f := pflag.NewFlagSet("reproduce", pflag.ContinueOnError)
	settings := Flags(f)
	if err := f.Parse([]string{"--methods", "PCD, cd", "--ll-combine", "mean", "--series", "digit0", "--kurt-layer", "hidden"}); err != nil {
		t.Fatal(err)
	}
	s, err := settings("quick")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Methods, []string{"pcd", "cd"}) || !slices.Equal(s.ExtraMethods(), []string{"cd"}) || s.LLCombine != "mean" ||
		s.Series != "digit0" || s.KurtLayer != "hidden" || s.evalOptions().Combine != "mean" || s.analyzeOptions().KurtLayer != "hidden" {
		t.Errorf("settings %+v", s)
	}
	for _, args := range [][]string{{"--methods", "pcd,gibbs"}, {"--methods", "cd,cd"}, {"--ll-combine", "median"},
		{"--series", "digit7"}, {"--kurt-layer", "both"}} {
		g := pflag.NewFlagSet("reproduce", pflag.ContinueOnError)
		bad := Flags(g)
		if err := g.Parse(args); err != nil {
			t.Fatal(err)
		}
		if _, err := bad("tiny"); !badinput.Is(err) {
			t.Errorf("%v: %v, want bad input", args, err)
		}
	}
}
