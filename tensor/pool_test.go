package tensor

import (
	"sync"
	"sync/atomic"
	"testing"
)

// parallel covers every index exactly once, also when called from several
// goroutines at once and from inside another parallel region (which then
// run on their callers), and never deadlocks.
func TestParallelCoversEachRangeOnce(t *testing.T) {
	const n = 1000
	check := func(t *testing.T, chunks int) {
		var hits [n]atomic.Int32
		parallel(n, chunks, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				hits[i].Add(1)
			}
		})
		for i := range hits {
			if h := hits[i].Load(); h != 1 {
				t.Fatalf("chunks %d: index %d covered %d times", chunks, i, h)
			}
		}
	}
	for _, chunks := range []int{1, 2, 3, 7, 64, n} {
		check(t, chunks)
	}
	t.Run("concurrent callers", func(t *testing.T) {
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := 0; r < 50; r++ {
					check(t, 2+r%5)
				}
			}()
		}
		wg.Wait()
	})
	t.Run("nested", func(t *testing.T) {
		var total atomic.Int64
		parallel(8, 4, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				parallel(100, 3, func(a, b int) { total.Add(int64(b - a)) })
			}
		})
		if total.Load() != 800 {
			t.Fatalf("nested regions covered %d of 800", total.Load())
		}
	})
}
