package rundir

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
)

// LockFile is the owner lock of a run directory (see Acquire).
const LockFile = "lock.json"

// DefaultLease is how long a holder on another host counts as alive after
// its last renewal; the holder renews every tenth of it.
const DefaultLease = 5 * time.Minute

// LockPath is DIR/lock.json.
func LockPath(dir string) string { return filepath.Join(dir, LockFile) }

// Holder is the content of a lock file: who holds it, since when, and the
// lease it renews.
type Holder struct {
	atomicfile.Writer
	Command string    `json:"command"`
	Started time.Time `json:"started"`
	Renewed time.Time `json:"renewed"`
	Lease   float64   `json:"lease_seconds"`
	Token   string    `json:"token"` // random: tells this holding from any other
}

// stamp is the fixed-width form of a holder's times: every renewal
// then has the length of the first write, so it rewrites the holder's
// own file in place (see Lock.renew).
const stamp = "2006-01-02T15:04:05.000000000Z07:00"

// MarshalJSON writes the times in the fixed-width form stamp (RFC 3339,
// so any reader parses them as before).
func (h Holder) MarshalJSON() ([]byte, error) {
	type plain Holder
	return json.Marshal(struct {
		plain
		Started string `json:"started"`
		Renewed string `json:"renewed"`
	}{plain(h), h.Started.UTC().Format(stamp), h.Renewed.UTC().Format(stamp)})
}

// String names the holder in one line.
func (h Holder) String() string {
	host, _, _ := strings.Cut(h.Host, "~")
	return fmt.Sprintf("pid %d on host %s (%s, since %s)", h.PID, host, h.Command, h.Started.Format("2006-01-02 15:04:05 MST"))
}

// Dead says whether h can be taken over at now, and why: on this host
// when its process is gone, on another when its lease ran out.
func (h Holder) Dead(now time.Time) (bool, string) {
	if h.SameHost() {
		return h.Gone(), "its process is gone"
	}
	lease := time.Duration(h.Lease * float64(time.Second))
	if age := now.Sub(h.Renewed); age > lease {
		return true, fmt.Sprintf("its lease of %v was last renewed %v ago", lease, age.Round(time.Second))
	}
	return false, ""
}

// Owner reads the holder of dir's owner lock: nil (and no error) when
// nobody holds it. Whether the holder is alive: Holder.Dead.
func Owner(dir string) (*Holder, error) {
	h, err := readHolder(LockPath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &h, nil
}

// Busy returns a *BusyError when a live process holds dir, else nil: a
// check for callers that would otherwise fail for a reason that is only
// a symptom (no run.json yet while its owner starts the run).
func Busy(dir string) error {
	h, err := Owner(dir)
	if err != nil || h == nil {
		return nil
	}
	if dead, _ := h.Dead(time.Now()); dead {
		return nil
	}
	return &BusyError{Dir: dir, Holder: *h}
}

// BusyError says that another live process holds a run directory.
type BusyError struct {
	Dir    string
	Holder Holder
}

func (e *BusyError) Error() string {
	ago := time.Since(e.Holder.Renewed).Round(time.Second)
	return fmt.Sprintf("%s is in use by %s, lease renewed %v ago; wait for it to end or stop it (the lock of a dead holder is taken over automatically)", e.Dir, e.Holder, ago)
}

// Lock is the owner lock of a run directory held by this process.
type Lock struct {
	Dir     string
	path    string
	h       Holder
	f       *os.File // the inode this process linked to path, renewed in place
	Took    *Holder  // the dead holder this lock was taken over from (nil if none)
	TookWhy string   // why it counted as dead
	gate    string   // the takeover gate to remove on release ("" if none)

	mu         sync.Mutex
	lost       error
	stop, done chan struct{}
	release    sync.Once
}

// Acquire makes this process the owner of dir (which must exist) by
// creating DIR/lock.json, and renews the lease until Release. Another
// live holder gives a *BusyError; a dead one (same host: its process is
// gone; another host: its lease ran out) is taken over, and Took says
// from whom. lease 0 means DefaultLease.
//
// The lock file is created complete by link(2) from a private temporary,
// which fails when the name exists (atomic on local filesystems and on
// NFSv3/v4, Lustre and GPFS); see docs/cluster.md.
func Acquire(dir string, lease time.Duration) (*Lock, error) {
	if lease <= 0 {
		lease = DefaultLease
	}
	l := &Lock{Dir: dir, path: LockPath(dir), h: newHolder(lease)}
	a, err := acquireFile(l.path, dir, l.h)
	if err != nil {
		return nil, err
	}
	l.f, l.Took, l.TookWhy, l.gate = a.f, a.took, a.why, a.gate
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	go l.renew(lease / 10)
	return l, nil
}

// TakeoverNote is the line to log after a takeover ("" if none).
func (l *Lock) TakeoverNote() string {
	if l == nil || l.Took == nil {
		return ""
	}
	return fmt.Sprintf("took over %s from %s: %s", l.Dir, *l.Took, l.TookWhy)
}

func newHolder(lease time.Duration) Holder {
	now := time.Now().UTC()
	cmd := strings.Join(append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...), " ")
	if len(cmd) > 300 {
		cmd = cmd[:300] + "…"
	}
	return Holder{Writer: atomicfile.Self(), Command: cmd, Started: now, Renewed: now, Lease: lease.Seconds(), Token: randomToken()}
}

func randomToken() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// acquired is what acquireFile got: the open file of the new lock, the
// dead holder taken over (nil if none) and why it counted as dead, and
// the takeover gate this process created ("" if none).
type acquired struct {
	f    *os.File
	took *Holder
	why  string
	gate string
}

// acquireFile creates path holding h, taking over a dead holder's file.
// A takeover is gated: only the process that creates the gate file
// .NAME.takeover-TOKEN (by link, so exactly one) may remove the lock of
// that dead holder, and the gate stays until the new holder releases, so
// a slow contender that judged the same holder dead cannot remove its
// successor's lock.
func acquireFile(path, dir string, h Holder) (acquired, error) {
	for attempt := 0; attempt < 8; attempt++ {
		f, err := createHolder(path, h)
		if err == nil {
			return acquired{f: f}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return acquired{}, err
		}
		old, err := readHolder(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released in between
		}
		if err != nil {
			return acquired{}, err
		}
		dead, reason := old.Dead(time.Now())
		if !dead {
			return acquired{}, &BusyError{Dir: dir, Holder: old}
		}
		gate := gatePath(path, old.Token)
		gh := h
		gh.Lease = shortLease.Seconds()
		if err := linkHolder(gate, gh); errors.Is(err, fs.ErrExist) {
			g, gerr := readHolder(gate)
			if gerr == nil {
				if gdead, _ := g.Dead(time.Now()); !gdead {
					return acquired{}, &BusyError{Dir: dir, Holder: g} // being taken over right now
				}
				removeIfToken(gate, g.Token) // a taker that died: its gate goes
			}
			continue
		} else if err != nil {
			return acquired{}, err
		}
		if _, err := removeIfToken(path, old.Token); err != nil {
			os.Remove(gate)
			return acquired{}, err
		}
		f, err = createHolder(path, h)
		if err != nil {
			os.Remove(gate)
			if errors.Is(err, fs.ErrExist) {
				continue // another process got in first; the loop reports it
			}
			return acquired{}, err
		}
		removeDeadGates(path, gate)
		return acquired{f: f, took: &old, why: reason, gate: gate}, nil
	}
	return acquired{}, fmt.Errorf("%s: could not take the lock (it changed hands 8 times); try again", path)
}

// gatePath is the takeover gate of the holding token of path.
func gatePath(path, token string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".takeover-"+token)
}

// removeDeadGates removes the gates of earlier takeovers whose takers are
// gone (killed while holding the lock), except keep.
func removeDeadGates(path, keep string) {
	gates, _ := filepath.Glob(gatePath(path, "*"))
	for _, g := range gates {
		if g == keep {
			continue
		}
		if h, err := readHolder(g); err == nil {
			if dead, _ := h.Dead(time.Now()); dead {
				removeIfToken(g, h.Token)
			}
		}
	}
}

// linkHolder creates path with h as its content, complete from the start,
// or fails with fs.ErrExist.
func linkHolder(path string, h Holder) error {
	f, err := createHolder(path, h)
	if err != nil {
		return err
	}
	return f.Close()
}

// createHolder is linkHolder that keeps the file open, so that its holder
// can renew its own inode in place: once the lock has been taken over,
// path names another inode and a late renewal cannot touch it.
func createHolder(path string, h Holder) (*os.File, error) {
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), atomicfile.TempPrefix(filepath.Base(path))+"*")
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.Link(tmp, path)
		if err != nil && linkedTwice(tmp) {
			err = nil // NFS: the reply to a link that succeeded was lost and the retry saw EEXIST
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func linkedTwice(p string) bool {
	st, err := os.Stat(p)
	if err != nil {
		return false
	}
	s, ok := st.Sys().(*syscall.Stat_t)
	return ok && uint64(s.Nlink) == 2
}

// readHolder reads the holder in path. A renewal rewrites the file in
// place, so a read that overlaps one can see a mixture of two versions
// of equal length; such a read is retried before the file counts as
// damaged.
func readHolder(path string) (Holder, error) {
	var h Holder
	var b []byte
	var err error
	for try := 0; try < 5; try++ {
		if try > 0 {
			time.Sleep(time.Millisecond)
		}
		b, err = os.ReadFile(path)
		if err != nil {
			return h, err
		}
		h = Holder{}
		if json.Unmarshal(b, &h) == nil && h.Token != "" {
			return h, nil
		}
	}
	return h, fmt.Errorf("%s is damaged (%q); if no rbmscope process works in %s, delete it", path, truncate(string(b), 60), filepath.Dir(path))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// removeIfToken removes path if it still holds token. It renames the file
// to a private name first and reads it there, so that a lock another
// contender created in between is put back rather than deleted.
func removeIfToken(path, token string) (bool, error) {
	if h, err := readHolder(path); err == nil && h.Token != token {
		return false, nil // not ours to remove: leave it untouched
	}
	aside := filepath.Join(filepath.Dir(path), atomicfile.TempPrefix(filepath.Base(path))+"aside-"+randomToken())
	if err := os.Rename(path, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	h, err := readHolder(aside)
	if err == nil && h.Token == token {
		return true, os.Remove(aside)
	}
	// Someone else's fresh lock: put it back (unless a third process has
	// linked one meanwhile, in which case the displaced holder finds out
	// at its next Check).
	os.Link(aside, path)
	os.Remove(aside)
	return false, nil
}

// renew rewrites the lock with a fresh Renewed time every interval, as
// long as it still holds this lock's token. It writes through the file
// this process linked, in place and at equal length, never by path: a
// takeover between the check and the write replaces path by a new inode,
// and the late renewal then lands in the old one, which nobody reads.
func (l *Lock) renew(every time.Duration) {
	defer close(l.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			if err := l.Check(); err != nil {
				return
			}
			h := l.h
			h.Renewed = time.Now().UTC()
			b, _ := json.MarshalIndent(h, "", "  ")
			if err := rewrite(l.f, append(b, '\n')); err != nil {
				l.setLost(fmt.Errorf("cannot renew the lock %s: %v", l.path, err))
				return
			}
		}
	}
}

// rewrite replaces the content of f by b, in place.
func rewrite(f *os.File, b []byte) error {
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	if st, err := f.Stat(); err == nil && st.Size() != int64(len(b)) {
		if err := f.Truncate(int64(len(b))); err != nil {
			return err
		}
	}
	return f.Sync()
}

func (l *Lock) setLost(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost == nil {
		l.lost = err
	}
}

// Check returns nil while this process still holds the lock, and an error
// naming the new holder once it has lost it (taken over after its lease
// ran out while it was stalled, or the file was deleted by hand). Writers
// call it before each batch of writes into the run directory.
func (l *Lock) Check() error {
	l.mu.Lock()
	lost := l.lost
	l.mu.Unlock()
	if lost != nil {
		return lost
	}
	h, err := readHolder(l.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = fmt.Errorf("lost the lock on %s: %s was deleted; stopping without writing more", l.Dir, l.path)
	case err != nil:
		err = fmt.Errorf("lost the lock on %s: %v", l.Dir, err)
	case h.Token != l.h.Token:
		err = fmt.Errorf("lost the lock on %s to %s; stopping without writing more", l.Dir, h)
	default:
		return nil
	}
	l.setLost(err)
	return err
}

// Release stops the renewal and removes the lock file if it is still
// this process's. Releasing twice (or a nil lock) is harmless.
func (l *Lock) Release() error {
	if l == nil || l.stop == nil {
		return nil
	}
	var err error
	l.release.Do(func() {
		close(l.stop)
		<-l.done
		if _, rerr := removeIfToken(l.path, l.h.Token); rerr != nil {
			err = fmt.Errorf("releasing %s: %w", l.path, rerr)
		}
		if l.gate != "" {
			os.Remove(l.gate)
		}
		l.f.Close()
	})
	return err
}

// shortLease is the lease of the metrics lock, which is held for one read
// and one write of metrics.csv (milliseconds) and never renewed.
const shortLease = time.Minute

// withShortLock runs fn while holding the lock file path, waiting (up to
// a little more than shortLease, after which a dead holder on another
// host has expired) for another holder to let go.
func withShortLock(path, dir string, fn func() error) error {
	h := newHolder(shortLease)
	deadline := time.Now().Add(shortLease + 30*time.Second)
	wait := time.Millisecond
	for {
		h.Renewed = time.Now().UTC()
		a, err := acquireFile(path, dir, h)
		if a.f != nil {
			a.f.Close()
		}
		if a.gate != "" {
			defer os.Remove(a.gate)
		}
		var busy *BusyError
		if err == nil {
			break
		}
		if !errors.As(err, &busy) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
		wait = min(2*wait, 50*time.Millisecond)
	}
	defer removeIfToken(path, h.Token)
	return fn()
}
