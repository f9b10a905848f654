package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Writer identifies a process across the machines that share a
// filesystem: Host is the host name plus, where the system has one, the
// PID namespace (so two containers with the same host name are different
// hosts); Start is the process's start time in clock ticks since boot
// (Linux /proc; empty elsewhere), which tells a live process from a later
// one that reuses its PID.
type Writer struct {
	Host  string `json:"host"`
	PID   int    `json:"pid"`
	Start string `json:"pid_start,omitempty"`
}

var self = Writer{Host: hostKey(), PID: os.Getpid(), Start: procStart(os.Getpid())}

// Self is the identity of this process.
func Self() Writer { return self }

// hostKey is the host name, with "_" (illegal in host names, used as a
// separator in temporary names) replaced, and the PID namespace inode.
func hostKey() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "unknown-host"
	}
	h = strings.NewReplacer("_", "-", "/", "-").Replace(h)
	if ns, err := os.Readlink("/proc/self/ns/pid"); err == nil { // "pid:[4026531836]"
		h += "~" + strings.Trim(strings.TrimPrefix(ns, "pid:"), "[]")
	}
	return h
}

// procStart is field 22 of /proc/PID/stat (start time in ticks after
// boot), or "" where there is no /proc.
func procStart(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// SameHost says whether w runs on this host (and PID namespace), where
// its liveness can be checked directly.
func (w Writer) SameHost() bool { return w.Host == self.Host }

// Gone says whether w is known to have exited: it ran on this host and
// its PID is free, or now belongs to a process started at another time.
// A writer on another host is never known to be gone (see the lease of
// rundir.Lock for how those are judged).
func (w Writer) Gone() bool {
	if !w.SameHost() || w.PID <= 0 {
		return false
	}
	if err := syscall.Kill(w.PID, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	if w.Start != "" {
		if now := procStart(w.PID); now != "" && now != w.Start {
			return true
		}
	}
	return false
}

// TempPrefix is the start of this process's temporary names for a file
// called base: ".BASE.tmp-HOST_PID_" (os.CreateTemp appends a random
// number).
func TempPrefix(base string) string {
	return "." + base + ".tmp-" + self.Host + "_" + strconv.Itoa(self.PID) + "_"
}

// TempWriter parses the writer out of a temporary name made with
// TempPrefix. ok is false for names without an identity (written by
// versions before it existed).
func TempWriter(name string) (w Writer, ok bool) {
	i := strings.Index(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i < 0 {
		return w, false
	}
	rest := name[i+len(".tmp-"):]
	j := strings.LastIndexByte(rest, '_') // before the random part
	if j < 0 {
		return w, false
	}
	k := strings.LastIndexByte(rest[:j], '_') // before the pid
	if k <= 0 {
		return w, false
	}
	pid, err := strconv.Atoi(rest[k+1 : j])
	if err != nil {
		return w, false
	}
	return Writer{Host: rest[:k], PID: pid}, true
}

// StaleAge is how old (by modification time) the temporary of a writer on
// another host must be before RemoveStale takes it for abandoned: no
// atomic write takes that long.
const StaleAge = time.Hour

// RemoveStale deletes the temporary files (.NAME.tmp-*) in dir whose
// writers are gone: same host and process exited, or another host and
// older than StaleAge. Temporaries of live writers are left alone. A name
// without an identity was written by a version from before identities
// (which took no locks either) and is removed. It returns the paths it
// removed.
func RemoveStale(dir string) []string {
	return removeStale(dir, StaleAge)
}

func removeStale(dir string, age time.Duration) []string {
	old, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	var removed []string
	for _, p := range old {
		w, named := TempWriter(filepath.Base(p))
		switch {
		case !named:
		case w.SameHost():
			if w.PID == self.PID || !w.Gone() {
				continue
			}
		default:
			st, err := os.Stat(p)
			if err != nil || time.Since(st.ModTime()) < age {
				continue
			}
		}
		if os.Remove(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}
