package rundir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
)

// writeHolder puts a lock file of h into dir, as another process would.
// writeHolder puts h in dir's lock file as another process would: a new
// inode in place of whatever was there.
func writeHolder(t *testing.T, dir string, h Holder) {
	t.Helper()
	b, _ := json.Marshal(h)
	tmp := filepath.Join(dir, "writeHolder.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, LockPath(dir)); err != nil {
		t.Fatal(err)
	}
}

// deadPID is the pid of a child process that has exited (and been reaped).
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` to start:", err)
	}
	return cmd.Process.Pid
}

func TestAcquireBusyRelease(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	h, err := readHolder(LockPath(dir))
	if err != nil || h.PID != os.Getpid() || h.Token == "" || h.Lease != 60 || !strings.Contains(h.Command, filepath.Base(os.Args[0])) {
		t.Fatalf("lock.json holds %+v (%v)", h, err)
	}
	_, err = Acquire(dir, time.Minute)
	var busy *BusyError
	if !errors.As(err, &busy) || busy.Holder.Token != h.Token {
		t.Fatalf("second Acquire: %v, want a BusyError naming the holder", err)
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("pid %d on host", os.Getpid())) || strings.Contains(msg, "\n") {
		t.Errorf("busy message %q: want one line naming the pid and host", msg)
	}
	if err := l.Check(); err != nil {
		t.Errorf("Check while held: %v", err)
	}
	if !errors.As(Busy(dir), &busy) {
		t.Errorf("Busy while held: %v", Busy(dir))
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	if _, err := os.Stat(LockPath(dir)); !errors.Is(err, os.ErrNotExist) || Busy(dir) != nil {
		t.Fatalf("lock.json after Release: %v (busy: %v)", err, Busy(dir))
	}
	l2, err := Acquire(dir, time.Minute)
	if err != nil || l2.Took != nil {
		t.Fatalf("Acquire after Release: %v (took over %v)", err, l2.Took)
	}
	l2.Release()
}

// A holder is taken over exactly when it is dead: on this host when its
// process is gone (or its pid now belongs to a process started at another
// time); on another host when its lease is older than its length. The
// clock is not consulted for a holder on this host.
func TestTakeoverRules(t *testing.T) {
	me := atomicfile.Self()
	now := time.Now().UTC()
	dead := deadPID(t)
	cases := []struct {
		name     string
		w        atomicfile.Writer
		renewed  time.Duration // before now
		lease    float64
		takeover bool
		why      string
	}{
		{"this host, live process", me, time.Hour, 1, false, ""},
		{"this host, process gone", atomicfile.Writer{Host: me.Host, PID: dead}, 0, 300, true, "process is gone"},
		{"other host, lease fresh", atomicfile.Writer{Host: "node-elsewhere", PID: os.Getpid()}, 2 * time.Second, 300, false, ""},
		{"other host, lease expired", atomicfile.Writer{Host: "node-elsewhere", PID: os.Getpid()}, 301 * time.Second, 300, true, "lease of 5m0s"},
	}
	if me.Start != "" {
		cases = append(cases, struct {
			name     string
			w        atomicfile.Writer
			renewed  time.Duration
			lease    float64
			takeover bool
			why      string
		}{"this host, pid reused", atomicfile.Writer{Host: me.Host, PID: me.PID, Start: me.Start + "1"}, 0, 300, true, "process is gone"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			old := Holder{Writer: c.w, Command: "rbmscope train", Started: now.Add(-time.Hour), Renewed: now.Add(-c.renewed), Lease: c.lease, Token: "old"}
			writeHolder(t, dir, old)
			l, err := Acquire(dir, time.Minute)
			if !c.takeover {
				var busy *BusyError
				if !errors.As(err, &busy) || busy.Holder.Token != "old" {
					t.Fatalf("got %v, want busy", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer l.Release()
			if l.Took == nil || l.Took.Token != "old" || !strings.Contains(l.TookWhy, c.why) || !strings.Contains(l.TakeoverNote(), "took over") {
				t.Fatalf("took %+v why %q note %q", l.Took, l.TookWhy, l.TakeoverNote())
			}
			if err := l.Check(); err != nil {
				t.Error(err)
			}
		})
	}
}

// The holder renews its lease; once another process has the lock (taken
// over while this one was stalled, or the file deleted), Check reports
// the loss and Release leaves the new holder's file alone.
func TestRenewAndLoss(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, 200*time.Millisecond) // renewed every 20 ms
	if err != nil {
		t.Fatal(err)
	}
	first, _ := readHolder(LockPath(dir))
	deadline := time.Now().Add(10 * time.Second)
	for {
		h, err := readHolder(LockPath(dir))
		if err == nil && h.Renewed.After(first.Renewed) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lease was not renewed within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	other := Holder{Writer: atomicfile.Writer{Host: "node-elsewhere", PID: 7}, Command: "rbmscope sweep worker", Renewed: time.Now(), Lease: 300, Token: "theirs"}
	writeHolder(t, dir, other)
	if err := l.Check(); err == nil || !strings.Contains(err.Error(), "lost the lock") || !strings.Contains(err.Error(), "pid 7 on host node-elsewhere") {
		t.Fatalf("Check after a takeover: %v", err)
	}
	l.Release()
	if h, err := readHolder(LockPath(dir)); err != nil || h.Token != "theirs" {
		t.Fatalf("Release touched the new holder's lock: %+v %v", h, err)
	}
}

// Goroutines racing for one directory (free, or held by a dead process):
// exactly one wins, the others are told it is busy.
func TestAcquireRace(t *testing.T) {
	dead := deadPID(t)
	for _, stale := range []bool{false, true} {
		dir := t.TempDir()
		if stale {
			writeHolder(t, dir, Holder{Writer: atomicfile.Writer{Host: atomicfile.Self().Host, PID: dead}, Renewed: time.Now(), Lease: 300, Token: "dead"})
		}
		const n = 8
		var wg sync.WaitGroup
		locks := make([]*Lock, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				locks[i], errs[i] = Acquire(dir, time.Minute)
			}()
		}
		wg.Wait()
		won := 0
		for i := range n {
			var busy *BusyError
			switch {
			case errs[i] == nil:
				won++
				if locks[i].Check() != nil {
					t.Errorf("stale=%v: winner %d does not hold the lock: %v", stale, i, locks[i].Check())
				}
			case !errors.As(errs[i], &busy):
				t.Errorf("stale=%v: goroutine %d: %v", stale, i, errs[i])
			}
		}
		if won != 1 {
			t.Errorf("stale=%v: %d winners, want 1", stale, won)
		}
		for _, l := range locks {
			l.Release()
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
			t.Errorf("stale=%v: left behind %v", stale, left)
		}
	}
}

func TestDamagedLockFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(LockPath(dir), []byte("{half"), 0o644)
	_, err := Acquire(dir, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "is damaged") || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("got %v", err)
	}
}

// A renewal whose check ran before a takeover and whose write runs after
// it (the interleaving that once deleted the new holder's lock) lands in
// the old inode and leaves the new holder's file as it was.
func TestLateRenewalAfterTakeover(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, time.Hour) // no renewal tick during the test
	if err != nil {
		t.Fatal(err)
	}
	other := Holder{Writer: atomicfile.Writer{Host: "node-elsewhere", PID: 7}, Renewed: time.Now(), Lease: 300, Token: "theirs"}
	writeHolder(t, dir, other)
	h := l.h
	h.Renewed = time.Now().Add(time.Second)
	b, _ := json.MarshalIndent(h, "", "  ")
	if err := rewrite(l.f, append(b, '\n')); err != nil {
		t.Fatal(err)
	}
	if got, err := readHolder(LockPath(dir)); err != nil || got.Token != "theirs" {
		t.Fatalf("the late renewal reached the new holder's file: %+v %v", got, err)
	}
	l.Release()
	if got, err := readHolder(LockPath(dir)); err != nil || got.Token != "theirs" {
		t.Fatalf("Release touched the new holder's lock: %+v %v", got, err)
	}
}

// Renewals rewrite the file in place, so its length must not depend on
// the time written.
func TestHolderFixedLength(t *testing.T) {
	base := time.Date(2026, 12, 2, 21, 0, 0, 0, time.UTC)
	h := newHolder(time.Minute)
	var n int
	for i, d := range []time.Duration{0, 1, 120 * time.Millisecond, 999999999, 36*time.Hour + 7} {
		h.Renewed = base.Add(d).In(time.FixedZone("X", 3600))
		b, err := json.MarshalIndent(h, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		var back Holder
		if err := json.Unmarshal(b, &back); err != nil || !back.Renewed.Equal(h.Renewed) || back.Token != h.Token || back.PID != h.PID {
			t.Fatalf("round trip of %s: %v, %+v", b, err, back)
		}
		if i == 0 {
			n = len(b)
		} else if len(b) != n {
			t.Fatalf("length %d for %v, %d for %v", len(b), h.Renewed, n, base)
		}
	}
}
