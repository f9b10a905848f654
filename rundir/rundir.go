// Package rundir owns the layout of a training run directory. Every other
// package reaches the files of a run through it:
//
//	DIR/run.json                     settings, platform and status (train.RunInfo)
//	DIR/metrics.csv                  one row per epoch (Metrics)
//	DIR/checkpoints/epoch-NNNN.npz   parameters after epoch NNNN (0 = initialisation)
//	DIR/checkpoints/chains.npz       the resume state (parameters, chains, optimiser)
//	DIR/ptt.csv                      frozen checkpoints and their log Z (train --method ptt)
//
// Analyses take models (or a Loader), not paths; rundir turns a run into
// the checkpoints to load.
package rundir

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/rbm"
)

// File and directory names inside a run directory.
const (
	InfoFile      = "run.json"
	MetricsFile   = "metrics.csv"
	CheckpointDir = "checkpoints"
	StateFile     = "chains.npz"
	PTTFile       = "ptt.csv"
)

// PTTPath is DIR/ptt.csv.
func PTTPath(dir string) string { return filepath.Join(dir, PTTFile) }

// InfoPath is DIR/run.json.
func InfoPath(dir string) string { return filepath.Join(dir, InfoFile) }

// MetricsPath is DIR/metrics.csv.
func MetricsPath(dir string) string { return filepath.Join(dir, MetricsFile) }

// CheckpointsPath is DIR/checkpoints.
func CheckpointsPath(dir string) string { return filepath.Join(dir, CheckpointDir) }

// CheckpointPath is the file of the parameters after epoch e.
func CheckpointPath(dir string, e int) string {
	return filepath.Join(dir, CheckpointDir, fmt.Sprintf("epoch-%04d.npz", e))
}

// StatePath is the resume state of a run.
func StatePath(dir string) string { return filepath.Join(dir, CheckpointDir, StateFile) }

// Checkpoint is one saved parameter file of a run (epoch 0 = initialisation).
type Checkpoint struct {
	Epoch int
	Path  string
}

// Load reads the checkpoint's model.
func (c Checkpoint) Load() (*rbm.Model, error) { return rbm.Load(c.Path) }

var ckptRE = regexp.MustCompile(`^epoch-(\d+)\.npz$`)

// Checkpoints lists a run's checkpoints sorted by epoch. A directory
// without checkpoints/ is an error; an empty checkpoints/ is not.
func Checkpoints(dir string) ([]Checkpoint, error) {
	ents, err := os.ReadDir(CheckpointsPath(dir))
	if err != nil {
		return nil, fmt.Errorf("%s has no checkpoints/ directory: is it a run directory?", dir)
	}
	var out []Checkpoint
	for _, e := range ents {
		if m := ckptRE.FindStringSubmatch(e.Name()); m != nil {
			ep, _ := strconv.Atoi(m[1])
			out = append(out, Checkpoint{Epoch: ep, Path: filepath.Join(dir, CheckpointDir, e.Name())})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Epoch < out[j].Epoch })
	return out, nil
}

// Every keeps the checkpoints whose epoch is a multiple of n, and the last.
func Every(cks []Checkpoint, n int) []Checkpoint {
	var out []Checkpoint
	for i, c := range cks {
		if n > 0 && c.Epoch%n == 0 || i == len(cks)-1 {
			out = append(out, c)
		}
	}
	return out
}

// FinalAndInit returns a run's newest checkpoint and its initialisation
// (epoch 0).
func FinalAndInit(dir string) (final, init Checkpoint, err error) {
	cks, err := Checkpoints(dir)
	if err != nil {
		return final, init, err
	}
	if len(cks) < 2 || cks[0].Epoch != 0 {
		return final, init, fmt.Errorf("%s: need the epoch-0 checkpoint and a trained one", dir)
	}
	return cks[len(cks)-1], cks[0], nil
}

// ReadInfo decodes DIR/run.json into v (a *train.RunInfo).
func ReadInfo(dir string, v any) error {
	b, err := os.ReadFile(InfoPath(dir))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s/%s: %v", dir, InfoFile, err)
	}
	return nil
}

// WriteInfo writes v as DIR/run.json (indented, atomically).
func WriteInfo(dir string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(InfoPath(dir), append(b, '\n'))
}
