package sweep

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/train"
)

// PlanVersion is the format version of plan.json. Version 1 stored the
// post-training steps as command-line arguments; version 2 stores typed
// options (Steps).
const PlanVersion = 2

// Plan is plan.json: every entry of a sweep with its full configuration.
type Plan struct {
	Version int     `json:"version"`
	Name    string  `json:"name"`
	Spec    Spec    `json:"spec"`
	Entries []Entry `json:"entries"`

	path string // where the plan was read from or written to
}

// Entry is one training run of a sweep.
type Entry struct {
	Index   int          `json:"index"`
	ID      string       `json:"id"`    // run directory name, e.g. h500-pcd-k10-lr0.001-r0
	Group   string       `json:"group"` // ID without the replica: entries that differ only by seed
	Replica int          `json:"replica"`
	Config  train.Config `json:"config"`
	Steps   Steps        `json:"steps,omitzero"` // post-training steps and their options
}

// Expand turns a spec into a plan. Entries are ordered hidden, method, k,
// lr, epochs, replica (the last varies fastest); ids depend only on the
// values of the entry, so they are the same every time the spec is
// expanded.
func Expand(s *Spec) (*Plan, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	base, err := s.BaseConfig()
	if err != nil {
		return nil, err
	}
	hidden := orDefault(s.Hidden, base.Hidden)
	methods := orDefault(s.Method, base.Method)
	ks := orDefault(s.K, base.K)
	lrs := orDefault(s.LR, base.LR)
	epochs := orDefault(s.Epochs, base.Epochs)
	replicas := s.Replicas
	if replicas == 0 {
		replicas = max(len(s.Seeds), 1)
	}
	seeds := make([]uint64, replicas)
	for r := range seeds {
		if len(s.Seeds) > 0 {
			seeds[r] = s.Seeds[r]
		} else {
			seeds[r] = base.Seed + uint64(r)
		}
	}
	n := len(hidden) * len(methods) * len(ks) * len(lrs) * len(epochs) * replicas
	if n > 100000 {
		return nil, specErr("spec expands to %d runs; at most 100000 per sweep (split it)", n)
	}
	name := s.Name
	if name == "" {
		name = "sweep"
	}
	p := &Plan{Version: PlanVersion, Name: name, Spec: *s}
	for _, h := range hidden {
		for _, m := range methods {
			for _, k := range ks {
				for _, lr := range lrs {
					for _, ep := range epochs {
						for r, seed := range seeds {
							cfg := base
							cfg.Hidden, cfg.Method, cfg.K, cfg.LR, cfg.Epochs, cfg.Seed = h, m, k, lr, ep, seed
							if err := cfg.Validate(); err != nil {
								return nil, specErr("spec entry hidden=%d method=%s k=%d lr=%g epochs=%d: %v", h, m, k, lr, ep, err)
							}
							group := fmt.Sprintf("h%d-%s-k%d-lr%s", h, m, k, strconv.FormatFloat(lr, 'g', -1, 64))
							if len(epochs) > 1 {
								group += fmt.Sprintf("-e%d", ep)
							}
							p.Entries = append(p.Entries, Entry{
								Index: len(p.Entries), ID: fmt.Sprintf("%s-r%d", group, r), Group: group,
								Replica: r, Config: cfg,
							})
						}
					}
				}
			}
		}
	}
	uniqueIDs(p.Entries)
	steps, err := s.Steps()
	if err != nil {
		return nil, err
	}
	p.SetSteps(steps)
	return p, nil
}

// uniqueIDs appends a short hash of the configuration to any id that is
// not unique (only possible if two grid values print alike).
func uniqueIDs(es []Entry) {
	count := map[string]int{}
	for _, e := range es {
		count[e.ID]++
	}
	for i := range es {
		if count[es[i].ID] > 1 {
			b, _ := json.Marshal(es[i].Config)
			h := sha256.Sum256(b)
			suffix := "-" + hex.EncodeToString(h[:4])
			es[i].ID += suffix
			es[i].Group += suffix
		}
	}
}

func orDefault[T any](xs []T, def T) []T {
	if len(xs) == 0 {
		return []T{def}
	}
	return xs
}

// Path is the file the plan was read from or written to.
func (p *Plan) Path() string { return p.path }

// Dir is the sweep directory (the directory of plan.json).
func (p *Plan) Dir() string { return filepath.Dir(p.path) }

// RunDir is the run directory of entry e.
func (p *Plan) RunDir(e Entry) string { return filepath.Join(p.Dir(), "runs", e.ID) }

// Entry returns entry i or a bad-input error naming the valid range.
func (p *Plan) Entry(i int) (Entry, error) {
	if i < 0 || i >= len(p.Entries) {
		return Entry{}, specErr("index %d is out of range: the plan has entries 0–%d", i, len(p.Entries)-1)
	}
	return p.Entries[i], nil
}

// Write stores the plan as dir/plan.json (creating dir). If dir already
// holds a plan with different entries, Write refuses unless force is set,
// so that a sweep's run directories never silently change meaning.
func (p *Plan) Write(dir string, force bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create sweep directory: %w", err)
	}
	path := filepath.Join(dir, "plan.json")
	if old, err := ReadPlan(path); err == nil && !force {
		a, _ := json.Marshal(old.Entries)
		b, _ := json.Marshal(p.Entries)
		if !bytes.Equal(a, b) {
			return specErr("%s already holds a different plan (%d entries); use another --out or --force to replace it", path, len(old.Entries))
		}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) && !force {
		return specErr("%s exists but cannot be read (%v); use --force to replace it", path, err)
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(path, append(b, '\n')); err != nil {
		return err
	}
	p.path, _ = filepath.Abs(path)
	return nil
}

// ReadPlan reads plan.json (a path to the file or to its directory).
func ReadPlan(path string) (*Plan, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "plan.json")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, badinput.Wrap(fmt.Errorf("%w: no plan at %s (write one with `rbmscope sweep plan --spec FILE --out DIR`)", os.ErrNotExist, path))
		}
		return nil, err
	}
	var v struct {
		Version int `json:"version"`
	}
	if json.Unmarshal(b, &v) == nil && v.Version > 0 && v.Version < PlanVersion {
		return nil, specErr("%s was written by an older rbmscope (plan version %d, steps as command-line arguments); re-plan it: rbmscope sweep plan --spec SPEC --out %s --force", path, v.Version, filepath.Dir(path))
	}
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, specErr("%s is not a sweep plan: %s", path, oneLine(err.Error()))
	}
	if p.Version != PlanVersion {
		return nil, specErr("%s has plan version %d; this rbmscope reads version %d", path, p.Version, PlanVersion)
	}
	seen := map[string]bool{}
	for i, e := range p.Entries {
		if e.Index != i || e.ID == "" || seen[e.ID] || strings.ContainsAny(e.ID, `/\`) || e.ID == "." || e.ID == ".." {
			return nil, specErr("%s: entry %d has a bad index or id %q", path, i, e.ID)
		}
		seen[e.ID] = true
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	p.path = abs
	return &p, nil
}

// ResolveData makes every relative training-data path that exists under
// base absolute, so that workers started elsewhere (Slurm's --chdir, a
// pool's children) read the same file. "mnist" and paths that do not
// exist under base (e.g. paths inside a container) are left alone.
func (p *Plan) ResolveData(base string) {
	for i := range p.Entries {
		d := p.Entries[i].Config.Data
		if d == "" || strings.EqualFold(d, "mnist") || filepath.IsAbs(d) {
			continue
		}
		abs := filepath.Join(base, d)
		if _, err := os.Stat(abs); err == nil {
			if a, err := filepath.Abs(abs); err == nil {
				p.Entries[i].Config.Data = a
			}
		}
	}
}
