package rundir

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
)

// writeLockFile serialises the writers of one output directory
// (DIR/analysis, DIR/symmetry; WithWriteLock).
const writeLockFile = ".write.lock"

// WithWriteLock runs write while holding DIR/.write.lock, so that two
// processes that write the same set of files into dir (two analyze or
// symmetry commands, or one of them and a sweep worker's step) do it one
// after the other: dir then holds one writer's complete set, never a mix.
// Each file is atomic anyway; the lock makes the set consistent.
func WithWriteLock(dir string, write func() error) error {
	return withShortLock(filepath.Join(dir, writeLockFile), dir, write)
}

// metricsLockFile serialises the writers of metrics.csv: the trainer and
// any number of side writers (eval --run) on any host.
const metricsLockFile = ".metrics.lock"

// sidePairs are the (value, error) columns of metrics.csv that writers
// other than the trainer fill in (eval --run through UpdateLL). The
// trainer never computes them, so MergeMetrics takes them from the file.
// A new side-written column is added here.
// The trajectory's lower and upper values have no error of their own:
// each is a "pair" of itself.
func sidePairs(m *Metrics) [][2]*float64 {
	return [][2]*float64{{&m.LLAIS, &m.LLAISErr}, {&m.LLRAIS, &m.LLRAISErr}, {&m.LLTraj, &m.LLTrajErr},
		{&m.LLTrajLower, &m.LLTrajLower}, {&m.LLTrajUpper, &m.LLTrajUpper}}
}

// UpdateMetrics is the one read-modify-write of DIR/metrics.csv: it reads
// the file under the metrics lock (DIR/.metrics.lock, held for the read
// and the atomic write, milliseconds), lets update change the rows and
// writes them back. Every writer of metrics.csv goes through it, so none
// loses another's values.
func UpdateMetrics(dir string, update func([]Metrics) []Metrics) error {
	return withShortLock(filepath.Join(dir, metricsLockFile), dir, func() error {
		ms, err := ReadMetrics(dir)
		if err != nil {
			return fmt.Errorf("reading metrics: %w", err)
		}
		return WriteMetrics(dir, update(ms))
	})
}

// MergeMetrics writes the trainer's rows into DIR/metrics.csv (through
// UpdateMetrics): the training columns are the trainer's, the side
// columns (sidePairs) keep every value on disk, and rows that exist only
// on disk (evaluated epochs the trainer has not reached again after a
// resume) stay. This is how the trainer honours evaluations made while it
// runs.
func MergeMetrics(dir string, rows []Metrics) error {
	return UpdateMetrics(dir, func(disk []Metrics) []Metrics { return mergeRows(rows, disk) })
}

// ReplaceMetrics writes rows as the whole of DIR/metrics.csv (through
// UpdateMetrics): a fresh run's first write, which must not inherit the
// values of an earlier attempt.
func ReplaceMetrics(dir string, rows []Metrics) error {
	return UpdateMetrics(dir, func([]Metrics) []Metrics { return rows })
}

// mergeRows is trainer's rows with the side columns of disk filled in,
// plus the rows only disk has, sorted by epoch.
func mergeRows(trainer, disk []Metrics) []Metrics {
	out := slices.Clone(trainer)
	at := map[int]int{}
	for i, m := range out {
		at[m.Epoch] = i
	}
	for _, d := range disk {
		i, ok := at[d.Epoch]
		if !ok {
			out = append(out, d)
			continue
		}
		dst, src := sidePairs(&out[i]), sidePairs(&d)
		for k := range dst {
			if !math.IsNaN(*src[k][0]) {
				*dst[k][0], *dst[k][1] = *src[k][0], *src[k][1]
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Epoch < out[b].Epoch })
	return out
}
