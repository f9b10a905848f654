package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The kernels of one training update or one AIS step are short (50–500 µs)
// and follow each other closely. Starting a goroutine per kernel wakes an
// idle thread each time, and on a virtual machine that wake-up can take as
// long as the kernel itself, so a split kernel ran no faster than a serial
// one. The pool keeps GOMAXPROCS−1 workers that spin for a short while
// after each kernel, waiting for the next, and park only when the process
// goes quiet; this is what OpenBLAS does with its own threads, and why the
// OpenBLAS backend hands its threading over to this pool (one set of
// threads, never oversubscribed).

// spinFor is how long an idle worker polls for new work before parking.
const spinFor = 500 * time.Microsecond

type poolTask struct {
	fn     func(lo, hi int)
	n      int
	chunks int
	next   atomic.Int64 // next chunk to claim
	done   atomic.Int64 // chunks finished
}

type workerPool struct {
	mu      sync.Mutex // one parallel region at a time; others run serially
	gen     atomic.Uint64
	task    atomic.Pointer[poolTask]
	workers []*poolWorker
}

type poolWorker struct {
	parked atomic.Bool
	wake   chan struct{}
}

var (
	poolOnce sync.Once
	thePool  *workerPool
)

func getPool() *workerPool {
	poolOnce.Do(func() {
		p := &workerPool{}
		for w := 1; w < runtime.GOMAXPROCS(0); w++ {
			pw := &poolWorker{wake: make(chan struct{}, 1)}
			p.workers = append(p.workers, pw)
			go p.loop(pw)
		}
		thePool = p
	})
	return thePool
}

func (p *workerPool) loop(w *poolWorker) {
	seen := p.gen.Load()
	for {
		start := time.Now()
		for spins := 0; p.gen.Load() == seen; spins++ {
			if spins&255 != 255 {
				continue
			}
			if time.Since(start) < spinFor {
				runtime.Gosched() // let any other runnable goroutine have this P
				continue
			}
			w.parked.Store(true)
			if p.gen.Load() == seen { // no task published since: sleep
				<-w.wake
			}
			w.parked.Store(false)
			start = time.Now()
		}
		seen = p.gen.Load()
		if t := p.task.Load(); t != nil {
			t.run()
		}
	}
}

func (t *poolTask) run() {
	for {
		c := int(t.next.Add(1) - 1)
		if c >= t.chunks {
			return
		}
		t.fn(c*t.n/t.chunks, (c+1)*t.n/t.chunks)
		t.done.Add(1)
	}
}

// parallel runs fn on the ranges [c·n/chunks, (c+1)·n/chunks) for
// c < chunks, on the calling goroutine and the pool's workers. The ranges
// are fixed by n and chunks alone, so results that depend on the split do
// not depend on which worker computed what. If another parallel region is
// already running (a nested or concurrent call), it runs on the caller.
func parallel(n, chunks int, fn func(lo, hi int)) {
	p := getPool()
	if len(p.workers) == 0 || chunks <= 1 || !p.mu.TryLock() {
		for c := 0; c < chunks; c++ {
			fn(c*n/chunks, (c+1)*n/chunks)
		}
		return
	}
	t := &poolTask{fn: fn, n: n, chunks: chunks}
	p.task.Store(t)
	p.gen.Add(1)
	for _, w := range p.workers {
		if w.parked.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
	t.run()
	for spins := 0; t.done.Load() < int64(chunks); spins++ {
		if spins&255 == 255 {
			runtime.Gosched()
		}
	}
	p.task.Store(nil)
	p.mu.Unlock()
}
