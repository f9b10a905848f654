package rundir

import (
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func row(epoch int, pll, ais, rais float64) Metrics {
	m := NewMetrics(epoch)
	m.Updates, m.PseudoLL = 10*epoch, pll
	m.LLAIS, m.LLAISErr, m.LLRAIS, m.LLRAISErr = ais, 0.5, rais, 0.25
	if math.IsNaN(ais) {
		m.LLAISErr = math.NaN()
	}
	if math.IsNaN(rais) {
		m.LLRAISErr = math.NaN()
	}
	return m
}

// The trainer's columns come from the trainer, the LL columns from the
// file unless the file has none, and rows only on disk stay.
func TestMergeRows(t *testing.T) {
	nan := math.NaN()
	trainer := []Metrics{row(0, -0.5, nan, nan), row(1, -0.4, -99, nan), row(2, -0.3, nan, nan)}
	disk := []Metrics{row(0, -7, -100, -101), row(1, -7, nan, -98), row(3, -0.2, -90, nan)}
	got := mergeRows(trainer, disk)
	want := []Metrics{row(0, -0.5, -100, -101), row(1, -0.4, -99, -98), row(2, -0.3, nan, nan), row(3, -0.2, -90, nan)}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(got), len(want), got)
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	for i := range want {
		g, w := got[i], want[i]
		if g.Epoch != w.Epoch || g.Updates != w.Updates || !same(g.PseudoLL, w.PseudoLL) || !same(g.LLAIS, w.LLAIS) ||
			!same(g.LLAISErr, w.LLAISErr) || !same(g.LLRAIS, w.LLRAIS) || !same(g.LLRAISErr, w.LLRAISErr) {
			t.Errorf("row %d: got %+v, want %+v", i, g, w)
		}
	}
	if !math.IsNaN(trainer[0].LLAIS) {
		t.Error("mergeRows changed the trainer's rows")
	}
}

// A trainer rewriting metrics.csv after every epoch and evaluators
// writing LL values at the same time: every value survives. The
// evaluators write values that are exact in 10 significant digits, so
// the file must give them back exactly.
func TestConcurrentMetricsWriters(t *testing.T) {
	dir := t.TempDir()
	const epochs = 30
	nan := math.NaN()
	ais := func(e int) float64 { return -100 - 1.25*float64(e) }
	rais := func(e int) float64 { return -200 - 0.75*float64(e) }
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { // the trainer
		defer wg.Done()
		var rows []Metrics
		for e := 0; e <= epochs; e++ {
			rows = append(rows, row(e, -0.01*float64(e), nan, nan))
			if err := MergeMetrics(dir, rows); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for k, put := range []func(int) LL{
		func(e int) LL { return LL{ais(e), 0.5, nan, nan, nan, nan, nan, nan} },
		func(e int) LL { return LL{nan, nan, rais(e), 0.25, nan, nan, nan, nan} },
	} {
		go func() { // two evaluators, one estimator each, epochs in opposite orders
			defer wg.Done()
			for i := 0; i <= epochs; i++ {
				e := i
				if k == 1 {
					e = epochs - i
				}
				if err := UpdateLL(dir, e, put(e)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	ms, err := ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != epochs+1 {
		t.Fatalf("%d rows, want %d", len(ms), epochs+1)
	}
	for e, m := range ms {
		if m.Epoch != e || m.Updates != 10*e || m.LLAIS != ais(e) || m.LLAISErr != 0.5 || m.LLRAIS != rais(e) || m.LLRAISErr != 0.25 {
			t.Errorf("row %d: %+v", e, m)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("left behind %v", left)
	}
}

// Two writers of one output directory take turns: each sees the
// directory as the other left it, never a half-done set.
func TestWithWriteLock(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				err := WithWriteLock(dir, func() error {
					a, _ := os.ReadFile(filepath.Join(dir, "a"))
					b, _ := os.ReadFile(filepath.Join(dir, "b"))
					if string(a) != string(b) {
						t.Errorf("writer %d found a mixed set: a=%q b=%q", w, a, b)
					}
					v := []byte{byte('0' + w)}
					os.WriteFile(filepath.Join(dir, "a"), v, 0o644)
					return os.WriteFile(filepath.Join(dir, "b"), v, 0o644)
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}
