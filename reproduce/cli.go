package reproduce

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/internal/jsonsafe"
)

// CLI holds the flags of "rbmscope reproduce" that are not settings:
// --dry-run, --estimate and --compare.
type CLI struct {
	DryRun   bool
	Estimate bool
	Compare  string
}

// Register adds the flags to f.
func (c *CLI) Register(f *pflag.FlagSet) {
	f.BoolVar(&c.DryRun, "dry-run", false, "print the settings and the plan (with --json, as JSON) and train nothing")
	f.BoolVar(&c.Estimate, "estimate", false, "measure a few updates per size and print the estimated cost (always done before the paper preset trains)")
	f.StringVar(&c.Compare, "compare", "", "DIR1,DIR2: print the claims of two finished reproduce directories side by side; exit 1 if a verdict differs")
}

// Handle does what the flags ask instead of running the pipeline:
// handled is false when none of them was given.
func (c *CLI) Handle(w io.Writer, s Settings, out string, asJSON bool) (handled bool, err error) {
	switch {
	case c.Compare != "":
		dirs := strings.Split(c.Compare, ",")
		if len(dirs) != 2 {
			return true, badinput.Errorf("--compare takes two directories separated by a comma (got %q)", c.Compare)
		}
		return true, compareDirs(w, dirs[0], dirs[1], asJSON)
	case c.DryRun:
		d, err := NewDryRun(s, out, c.Estimate)
		if err != nil {
			return true, err
		}
		if asJSON {
			b, err := json.MarshalIndent(jsonsafe.Value(d), "", "  ")
			if err != nil {
				return true, err
			}
			_, err = fmt.Fprintf(w, "%s\n", b)
			return true, err
		}
		_, err = io.WriteString(w, d.String())
		return true, err
	}
	return false, nil
}

// PlannedRun is one training run of a dry run with the steps that follow it.
type PlannedRun struct {
	ID      string   `json:"id"`
	Hidden  int      `json:"hidden"`
	Method  string   `json:"method"`
	K       int      `json:"k"`
	Replica int      `json:"replica"`
	Seed    uint64   `json:"seed"`
	Dir     string   `json:"dir,omitempty"`
	Steps   []string `json:"steps"`
}

// DryRun is what "reproduce --dry-run" prints: the settings, every run and
// step, and optionally the cost estimate.
type DryRun struct {
	Settings Settings      `json:"settings"`
	Runs     []PlannedRun  `json:"runs"`
	Global   []string      `json:"global_steps"`
	Estimate *CostEstimate `json:"estimate,omitempty"`
}

// NewDryRun plans s without writing anything (out, if given, only names
// the run directories); with estimate it also probes the cost.
func NewDryRun(s Settings, out string, estimate bool) (*DryRun, error) {
	if err := s.Validate(); err != nil {
		return nil, badinput.Wrap(err)
	}
	plan, err := s.Plan()
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	d := &DryRun{Settings: s, Global: []string{"landscapes (Figs. 1 right, 2, 3 a–e, 5)", "probe (Fig. 6)", "claims, figures, report.html"}}
	for _, e := range plan.Entries {
		r := PlannedRun{ID: e.ID, Hidden: e.Config.Hidden, Method: e.Config.Method, K: e.Config.K, Replica: e.Replica, Seed: e.Config.Seed,
			Steps: []string{"train", "analyze"}}
		if e.Config.Method == s.Method {
			r.Steps = []string{"train", "eval (AIS/RAIS)", "analyze", "track (Figs. 7–8)", "js (Fig. 4)"}
		}
		if out != "" {
			r.Dir = filepath.Join(out, "runs", e.ID)
		}
		d.Runs = append(d.Runs, r)
	}
	if estimate {
		if d.Estimate, err = Estimate(s); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// String prints the settings, one line per run and the estimate.
func (d *DryRun) String() string {
	var b strings.Builder
	b.WriteString(d.Settings.String())
	fmt.Fprintf(&b, "plan: %d training runs (nothing is trained in a dry run)\n", len(d.Runs))
	for _, r := range d.Runs {
		fmt.Fprintf(&b, "  %-28s seed %-3d %s\n", r.ID, r.Seed, strings.Join(r.Steps, ", "))
	}
	fmt.Fprintf(&b, "then: %s\n", strings.Join(d.Global, "; "))
	if d.Estimate != nil {
		b.WriteString(d.Estimate.String())
	}
	return b.String()
}

// ClaimPair is one claim of two runs side by side.
type ClaimPair struct {
	ID     string `json:"id"`
	Figure string `json:"figure"`
	A      *Claim `json:"a"`
	B      *Claim `json:"b"`
	Same   bool   `json:"same_verdict"`
}

// CompareClaims pairs the claims of two summaries by ID (in a's order,
// then those only in b) and says whether their verdicts agree.
func CompareClaims(a, b []Claim) (pairs []ClaimPair, agree bool) {
	agree = true
	inB := map[string]*Claim{}
	for i := range b {
		inB[b[i].ID] = &b[i]
	}
	seen := map[string]bool{}
	for i := range a {
		ca, cb := &a[i], inB[a[i].ID]
		p := ClaimPair{ID: ca.ID, Figure: ca.Figure, A: ca, B: cb, Same: cb != nil && cb.Verdict == ca.Verdict}
		seen[ca.ID] = true
		pairs, agree = append(pairs, p), agree && p.Same
	}
	for i := range b {
		if !seen[b[i].ID] {
			pairs, agree = append(pairs, ClaimPair{ID: b[i].ID, Figure: b[i].Figure, B: &b[i]}), false
		}
	}
	return pairs, agree
}

// VerdictTable formats pairs as a Markdown table (value ± margin, verdict).
func VerdictTable(pairs []ClaimPair, labelA, labelB string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| claim | figure | %s | %s | same |\n|---|---|---|---|---|\n", labelA, labelB)
	cell := func(c *Claim) string {
		if c == nil {
			return "absent"
		}
		return fmt.Sprintf("%s ± %s: %s", f3(c.Value), f3(c.Margin), c.Verdict)
	}
	for _, p := range pairs {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", p.ID, p.Figure, cell(p.A), cell(p.B), yesNo(p.Same))
	}
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// ReadSummary reads DIR/results/summary.json.
func ReadSummary(dir string) (*Summary, error) {
	var s Summary
	if err := readJSONFile(filepath.Join(dir, "results", "summary.json"), &s); err != nil {
		return nil, badinput.Errorf("%s: no readable results/summary.json (%v); run reproduce there first", dir, err)
	}
	return &s, nil
}

// compareDirs prints the verdict table of two directories; an error when
// a verdict differs.
func compareDirs(w io.Writer, a, b string, asJSON bool) error {
	sa, err := ReadSummary(a)
	if err != nil {
		return err
	}
	sb, err := ReadSummary(b)
	if err != nil {
		return err
	}
	pairs, agree := CompareClaims(sa.Claims, sb.Claims)
	if asJSON {
		out, err := json.MarshalIndent(jsonsafe.Value(struct {
			Agree bool        `json:"agree"`
			Pairs []ClaimPair `json:"claims"`
		}{agree, pairs}), "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n", out)
	} else {
		fmt.Fprint(w, VerdictTable(pairs, a, b))
	}
	if !agree {
		return fmt.Errorf("verdicts differ between %s and %s", a, b)
	}
	return nil
}
