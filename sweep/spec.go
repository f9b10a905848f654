// Package sweep runs many training runs as one study: a spec (YAML or
// JSON) expands into a plan of entries, each entry trains into its own run
// directory through a worker that knows only its index, and collect reads
// the run directories back into tables. The workers are started by a real
// engine: a local process pool, a Slurm job array or a Kubernetes Indexed
// Job; this package writes their scripts and manifests but schedules
// nothing itself.
//
// A sweep directory looks like
//
//	DIR/plan.json           the entries (id, full train.Config) and the spec
//	DIR/runs/<id>/          one run directory per entry, plus done/failed markers
//	DIR/logs/               worker logs (local pool, Slurm)
//	DIR/collect.csv         one row per entry
//	DIR/summary.csv         mean ± sd over replicas per group
//
// Run directories are found relative to plan.json, so a sweep directory can
// be mounted at another path (a Kubernetes volume) and still work.
package sweep

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/train"
)

// Spec is what a user writes: the grid, the fixed training settings, the
// steps after training and the resources of one worker.
//
// Every grid list that is empty takes the single value of the same field
// in Train (which itself starts from train.DefaultConfig()).
type Spec struct {
	Name     string    `json:"name,omitempty"`     // names jobs and manifests (default "sweep")
	Hidden   []int     `json:"hidden,omitempty"`   // hidden sizes M
	Method   []string  `json:"method,omitempty"`   // cd, pcd, rdm
	K        []int     `json:"k,omitempty"`        // Gibbs sweeps per update
	LR       []float64 `json:"lr,omitempty"`       // learning rates
	Epochs   []int     `json:"epochs,omitempty"`   // training lengths
	Replicas int       `json:"replicas,omitempty"` // independent runs per grid point (default len(Seeds) or 1)
	Seeds    []uint64  `json:"seeds,omitempty"`    // seed of each replica (default Train.seed + replica)
	// Train holds fixed train.Config fields by their JSON names
	// (batch, chains, optimizer, data, …); unknown names are rejected.
	Train    json.RawMessage `json:"train,omitempty"`
	Eval     bool            `json:"eval,omitempty"`     // run the eval step after training
	Analyze  bool            `json:"analyze,omitempty"`  // run the analyze step after training
	Symmetry bool            `json:"symmetry,omitempty"` // run the symmetry step after training
	// Flags of the steps as on the command line, e.g. ["--betas", "1000"];
	// "rbmscope sweep plan" turns them into typed options (Steps) in the plan.
	EvalArgs     []string  `json:"eval_args,omitempty"`
	AnalyzeArgs  []string  `json:"analyze_args,omitempty"`
	SymmetryArgs []string  `json:"symmetry_args,omitempty"`
	Resources    Resources `json:"resources,omitzero"`
	K8s          K8s       `json:"kubernetes,omitzero"`
}

// Resources are what one worker asks of the engine.
type Resources struct {
	CPUs      int    `json:"cpus,omitempty"`      // cores per worker (default 1); BLAS threads = CPUs
	Memory    string `json:"memory,omitempty"`    // per worker, Slurm style: 4G, 500M, 2048 (MiB)
	Time      string `json:"time,omitempty"`      // Slurm time limit: MM, HH:MM:SS, D-HH:MM:SS
	Partition string `json:"partition,omitempty"` // Slurm partition (engine default if empty)
	GPUs      int    `json:"gpus,omitempty"`      // GPUs per worker
	Parallel  int    `json:"parallel,omitempty"`  // workers at once (Slurm %P, Kubernetes parallelism; 0 = all)
}

// K8s configures the Kubernetes Indexed Job.
type K8s struct {
	Image        string `json:"image,omitempty"`         // container image holding rbmscope on its PATH
	PVC          string `json:"pvc,omitempty"`           // PersistentVolumeClaim that holds the sweep directory
	Mount        string `json:"mount,omitempty"`         // where the sweep directory is mounted (default /sweep)
	SubPath      string `json:"sub_path,omitempty"`      // sweep directory inside the volume (default its root)
	Namespace    string `json:"namespace,omitempty"`     //
	BackoffLimit *int   `json:"backoff_limit,omitempty"` // retries over the whole job (default 6)
	// Env adds container environment variables, e.g. RBMSCOPE_MNIST (where
	// MNIST lies in the image or on the volume).
	Env map[string]string `json:"env,omitempty"`
}

// specErr is bad input in a spec, a plan or an entry index.
func specErr(format string, args ...any) error { return badinput.Errorf(format, args...) }

// ParseSpec reads a spec from YAML or JSON (JSON is YAML too). Unknown
// fields are rejected so that typos do not silently fall back to defaults.
// It never panics: a panic inside the YAML library becomes an error.
func ParseSpec(data []byte) (spec *Spec, err error) {
	defer func() {
		if r := recover(); r != nil {
			spec, err = nil, specErr("spec is not valid YAML or JSON (%v)", r)
		}
	}()
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, specErr("spec is empty; give at least e.g. `hidden: [100, 500]`")
	}
	var s Spec
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		return nil, specErr("spec: %s", oneLine(err.Error()))
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// BaseConfig is train.DefaultConfig() overlaid with s.Train.
func (s *Spec) BaseConfig() (train.Config, error) {
	cfg := train.DefaultConfig()
	if len(s.Train) == 0 || string(s.Train) == "null" {
		return cfg, nil
	}
	dec := json.NewDecoder(bytes.NewReader(s.Train))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, specErr("spec train settings: %s (field names are those of run.json's config, e.g. batch, chains, optimizer, data)", oneLine(err.Error()))
	}
	return cfg, nil
}

var (
	nameRE   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$`)
	memoryRE = regexp.MustCompile(`^([1-9][0-9]{0,8})([KMGT]?)$`)
	timeRE   = regexp.MustCompile(`^([0-9]+-)?[0-9]+(:[0-9]+){0,2}$`)
)

// check validates everything that does not need the expansion.
func (s *Spec) check() error {
	if s.Name != "" && !nameRE.MatchString(s.Name) {
		return specErr("spec name %q must be 1–40 lower-case letters, digits or '-' (it names Slurm jobs and Kubernetes objects)", s.Name)
	}
	for i, m := range s.Method {
		s.Method[i] = strings.ToLower(strings.TrimSpace(m))
	}
	if err := noDuplicates("hidden", s.Hidden); err != nil {
		return err
	}
	if err := noDuplicates("method", s.Method); err != nil {
		return err
	}
	if err := noDuplicates("k", s.K); err != nil {
		return err
	}
	if err := noDuplicates("lr", s.LR); err != nil {
		return err
	}
	if err := noDuplicates("epochs", s.Epochs); err != nil {
		return err
	}
	for _, lr := range s.LR {
		if !(lr > 0) || math.IsInf(lr, 0) {
			return specErr("spec lr values must be positive and finite (got %v)", lr)
		}
	}
	switch {
	case s.Replicas < 0:
		return specErr("spec replicas must be ≥ 1 (got %d)", s.Replicas)
	case len(s.Seeds) > 0 && s.Replicas > 0 && len(s.Seeds) != s.Replicas:
		return specErr("spec lists %d seeds for %d replicas; give one seed per replica or leave seeds out", len(s.Seeds), s.Replicas)
	case s.Replicas > 10000:
		return specErr("spec replicas %d is too many (at most 10000)", s.Replicas)
	}
	if err := noDuplicates("seeds", s.Seeds); err != nil {
		return err
	}
	for _, check := range []func() error{s.checkStepArgs, s.Resources.check, s.K8s.check, s.checkGrid} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// checkStepArgs checks the flag lists of the post-training steps.
func (s *Spec) checkStepArgs() error {
	for _, args := range [][]string{s.EvalArgs, s.AnalyzeArgs, s.SymmetryArgs} {
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			return specErr("spec eval_args/analyze_args/symmetry_args must start with a flag (got %q)", args[0])
		}
		for _, a := range args {
			if strings.ContainsAny(a, "\n\x00") {
				return specErr("spec eval_args/analyze_args/symmetry_args must be single-line strings")
			}
		}
	}
	return nil
}

// check checks the resources of one worker.
func (r Resources) check() error {
	switch {
	case r.CPUs < 0 || r.CPUs > 4096:
		return specErr("resources.cpus must be between 1 and 4096 (got %d)", r.CPUs)
	case r.GPUs < 0 || r.GPUs > 64:
		return specErr("resources.gpus must be between 0 and 64 (got %d)", r.GPUs)
	case r.Parallel < 0:
		return specErr("resources.parallel must be ≥ 0 (0 = no limit; got %d)", r.Parallel)
	case r.Memory != "" && !memoryRE.MatchString(r.Memory):
		return specErr("resources.memory %q must be a whole number with an optional unit K, M, G or T (e.g. 4G, 500M)", r.Memory)
	case r.Time != "" && !timeRE.MatchString(r.Time):
		return specErr("resources.time %q must be a Slurm time limit: MM, HH:MM:SS or D-HH:MM:SS", r.Time)
	case r.Partition != "" && !safeWordRE.MatchString(r.Partition):
		return specErr("resources.partition %q may hold only letters, digits, '_', '-' and '.'", r.Partition)
	}
	return nil
}

// check checks the Kubernetes settings.
func (k K8s) check() error {
	if k.Mount != "" && (!strings.HasPrefix(k.Mount, "/") || strings.ContainsAny(k.Mount, " \t\n'\"$`\\")) {
		return specErr("kubernetes.mount %q must be an absolute path without spaces or quotes", k.Mount)
	}
	if k.PVC != "" && !dnsRE.MatchString(k.PVC) {
		return specErr("kubernetes.pvc %q is not a valid claim name (lower-case letters, digits, '-', '.')", k.PVC)
	}
	if k.Namespace != "" && !dnsRE.MatchString(k.Namespace) {
		return specErr("kubernetes.namespace %q is not a valid namespace name", k.Namespace)
	}
	for name, v := range k.Env {
		if !envNameRE.MatchString(name) || strings.ContainsAny(v, "\x00") {
			return specErr("kubernetes.env name %q must be a C identifier (letters, digits, '_')", name)
		}
	}
	if k.BackoffLimit != nil && *k.BackoffLimit < 0 {
		return specErr("kubernetes.backoff_limit must be ≥ 0 (got %d)", *k.BackoffLimit)
	}
	if strings.ContainsAny(k.Image, " \t\n") || strings.ContainsAny(k.SubPath, "\n") || strings.HasPrefix(k.SubPath, "/") {
		return specErr("kubernetes.image must have no spaces and kubernetes.sub_path must be relative")
	}
	return nil
}

// checkGrid checks that each grid value on its own makes a valid
// configuration.
func (s *Spec) checkGrid() error {
	base, err := s.BaseConfig()
	if err != nil {
		return err
	}
	var mods []func(*train.Config)
	for _, v := range s.Hidden {
		mods = append(mods, func(c *train.Config) { c.Hidden = v })
	}
	for _, v := range s.Method {
		mods = append(mods, func(c *train.Config) { c.Method = v })
	}
	for _, v := range s.K {
		mods = append(mods, func(c *train.Config) { c.K = v })
	}
	for _, v := range s.LR {
		mods = append(mods, func(c *train.Config) { c.LR = v })
	}
	for _, v := range s.Epochs {
		mods = append(mods, func(c *train.Config) { c.Epochs = v })
	}
	mods = append(mods, func(*train.Config) {})
	for _, mod := range mods {
		c := base
		mod(&c)
		if err := c.Validate(); err != nil {
			return specErr("spec: %v", err)
		}
	}
	return nil
}

var (
	safeWordRE = regexp.MustCompile(`^[A-Za-z0-9_.,-]+$`)
	envNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	dnsRE      = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$`)
)

func noDuplicates[T comparable](field string, xs []T) error {
	seen := make(map[T]bool, len(xs))
	for _, x := range xs {
		if seen[x] {
			return specErr("spec %s lists %v twice; each value may appear once", field, x)
		}
		seen[x] = true
	}
	return nil
}

// oneLine folds a multi-line message into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
