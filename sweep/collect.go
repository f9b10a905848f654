package sweep

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/stats"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/train"
)

// Run states reported by Collect.
const (
	StateDone    = "done"    // done marker present
	StateFailed  = "failed"  // failed marker present (Error says why)
	StateRunning = "running" // a worker started it and has not finished (or was killed without a trace)
	StateStopped = "stopped" // a worker was stopped (signal, time limit); the next one resumes
	StateMissing = "missing" // no worker has touched it
)

// RunStatus is one row of collect.csv.
type RunStatus struct {
	Index        int        `json:"index"`
	ID           string     `json:"id"`
	Group        string     `json:"group"`
	Hidden       int        `json:"hidden"`
	Method       string     `json:"method"`
	K            int        `json:"k"`
	LR           float64    `json:"lr"`
	Epochs       int        `json:"epochs"`
	Replica      int        `json:"replica"`
	Seed         uint64     `json:"seed"`
	State        string     `json:"state"`
	EpochsDone   int        `json:"epochs_done"`
	ReconError   *float64   `json:"recon_error,omitempty"`
	PseudoLL     *float64   `json:"pseudo_ll,omitempty"`
	LLAIS        *float64   `json:"ll_ais,omitempty"`
	LLRAIS       *float64   `json:"ll_rais,omitempty"`
	TrainSeconds float64    `json:"train_seconds"`
	LastUpdate   *time.Time `json:"last_update,omitempty"` // newest write to metrics.csv
	Worker       string     `json:"worker,omitempty"`      // host/pid/engine of the newest worker
	Engine       string     `json:"engine,omitempty"`      // e.g. "slurm job 12_3"
	Error        string     `json:"error,omitempty"`
}

// Stat is a mean and sample standard deviation over N values (SD is
// absent for N < 2).
type Stat struct {
	N    int      `json:"n"`
	Mean *float64 `json:"mean,omitempty"`
	SD   *float64 `json:"sd,omitempty"`
}

// GroupSummary is one row of summary.csv: the done replicas of a group.
type GroupSummary struct {
	Group        string  `json:"group"`
	Hidden       int     `json:"hidden"`
	Method       string  `json:"method"`
	K            int     `json:"k"`
	LR           float64 `json:"lr"`
	Epochs       int     `json:"epochs"`
	Total        int     `json:"total"`
	Done         int     `json:"done"`
	ReconError   Stat    `json:"recon_error"`
	PseudoLL     Stat    `json:"pseudo_ll"`
	LLAIS        Stat    `json:"ll_ais"`
	LLRAIS       Stat    `json:"ll_rais"`
	TrainSeconds Stat    `json:"train_seconds"`
}

// Collection is everything collect knows about a sweep.
type Collection struct {
	Plan   string         `json:"plan"`
	Counts map[string]int `json:"counts"` // runs per state
	Runs   []RunStatus    `json:"runs"`
	Groups []GroupSummary `json:"groups"`
}

// Collect reads every run directory of p (and nothing else).
func Collect(p *Plan) (*Collection, error) {
	c := &Collection{Plan: p.Path(), Counts: map[string]int{}}
	for _, s := range []string{StateDone, StateFailed, StateRunning, StateStopped, StateMissing} {
		c.Counts[s] = 0
	}
	for _, e := range p.Entries {
		rs, err := runStatus(p, e)
		if err != nil {
			return nil, err
		}
		c.Counts[rs.State]++
		c.Runs = append(c.Runs, rs)
	}
	c.Groups = summarise(c.Runs)
	return c, nil
}

func runStatus(p *Plan, e Entry) (RunStatus, error) {
	cfg := e.Config
	rs := RunStatus{Index: e.Index, ID: e.ID, Group: e.Group, Hidden: cfg.Hidden, Method: cfg.Method, K: cfg.K,
		LR: cfg.LR, Epochs: cfg.Epochs, Replica: e.Replica, Seed: cfg.Seed, State: StateMissing}
	dir := p.RunDir(e)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return rs, nil
	}
	ms, err := rundir.ReadMetrics(dir)
	if err != nil {
		rs.Error = oneLine(err.Error())
	}
	if len(ms) > 0 {
		last := ms[len(ms)-1]
		rs.EpochsDone = last.Epoch
		rs.ReconError, rs.PseudoLL, rs.LLAIS, rs.LLRAIS = num(last.ReconError), num(last.PseudoLL), num(last.LLAIS), num(last.LLRAIS)
		for _, m := range ms {
			if !math.IsNaN(m.Seconds) {
				rs.TrainSeconds += m.Seconds
			}
		}
		if st, err := os.Stat(filepath.Join(dir, "metrics.csv")); err == nil {
			t := st.ModTime().UTC()
			rs.LastUpdate = &t
		}
	}
	var wi WorkerInfo
	if readJSON(filepath.Join(dir, WorkerFile), &wi) == nil {
		rs.Worker = fmt.Sprintf("%s pid %d", wi.Host, wi.PID)
		if wi.Engine != "" {
			rs.Worker += " (" + wi.Engine + ")"
		}
		rs.Engine = wi.Engine
	}
	if d, err := ReadDone(dir); err == nil && d.Epochs >= cfg.Epochs {
		rs.State = StateDone
		return rs, nil
	}
	if f, err := ReadFailed(dir); err == nil {
		rs.State, rs.Error = StateFailed, f.Error
		return rs, nil
	}
	info, err := train.ReadInfo(dir)
	switch {
	case err == nil && info.Status == "stopped":
		rs.State = StateStopped
	case err == nil && info.Status == "failed":
		rs.State, rs.Error = StateFailed, info.Error
	case err == nil || rs.Worker != "":
		rs.State = StateRunning
	}
	if rs.State == StateRunning {
		ownerState(dir, &rs)
	}
	return rs, nil
}

// ownerState refines a running entry by its run directory's owner lock:
// the live holder becomes its worker; a dead one (killed without a word)
// makes the entry stopped, for the next worker to take over.
func ownerState(dir string, rs *RunStatus) {
	h, err := rundir.Owner(dir)
	if err != nil || h == nil {
		return
	}
	if dead, why := h.Dead(time.Now()); dead {
		rs.State, rs.Error = StateStopped, fmt.Sprintf("its lock holder, %s, is dead (%s); submit again to resume", h, why)
		return
	}
	rs.Worker = h.String()
}

func num(x float64) *float64 {
	if math.IsNaN(x) {
		return nil
	}
	return &x
}

func summarise(runs []RunStatus) []GroupSummary {
	byGroup := map[string][]RunStatus{}
	var order []string
	for _, r := range runs {
		if _, ok := byGroup[r.Group]; !ok {
			order = append(order, r.Group)
		}
		byGroup[r.Group] = append(byGroup[r.Group], r)
	}
	var out []GroupSummary
	for _, g := range order {
		rs := byGroup[g]
		s := GroupSummary{Group: g, Hidden: rs[0].Hidden, Method: rs[0].Method, K: rs[0].K, LR: rs[0].LR, Epochs: rs[0].Epochs, Total: len(rs)}
		var recon, pll, ais, rais, secs []float64
		for _, r := range rs {
			if r.State != StateDone {
				continue
			}
			s.Done++
			recon, pll, ais, rais = appendSet(recon, r.ReconError), appendSet(pll, r.PseudoLL), appendSet(ais, r.LLAIS), appendSet(rais, r.LLRAIS)
			secs = append(secs, r.TrainSeconds)
		}
		s.ReconError, s.PseudoLL, s.LLAIS, s.LLRAIS, s.TrainSeconds = meanSD(recon), meanSD(pll), meanSD(ais), meanSD(rais), meanSD(secs)
		out = append(out, s)
	}
	return out
}

func appendSet(xs []float64, x *float64) []float64 {
	if x != nil {
		return append(xs, *x)
	}
	return xs
}

// meanSD returns the mean and the sample standard deviation (n−1; none
// for a single value).
func meanSD(xs []float64) Stat {
	s := Stat{N: len(xs)}
	if len(xs) == 0 {
		return s
	}
	m, sd := stats.MeanSD(xs, 1)
	s.Mean = &m
	if len(xs) > 1 {
		s.SD = &sd
	}
	return s
}

// MarkLostSlurmTasks turns "running" entries whose worker ran in an array
// task of jobIDs that squeue no longer lists (tasks) into "stopped": the
// worker was killed without a chance to say so (SIGKILL, node failure).
func (c *Collection) MarkLostSlurmTasks(jobIDs []string, tasks []TaskState) {
	queued := map[string]bool{}
	for _, t := range tasks {
		queued[fmt.Sprintf("slurm job %s_%d", t.JobID, t.Index)] = true
	}
	for i := range c.Runs {
		r := &c.Runs[i]
		if r.State != StateRunning || queued[r.Engine] {
			continue
		}
		for _, j := range jobIDs {
			if strings.HasPrefix(r.Engine, "slurm job "+j+"_") {
				c.Counts[StateRunning]--
				c.Counts[StateStopped]++
				r.State, r.Error = StateStopped, "its Slurm task "+strings.TrimPrefix(r.Engine, "slurm job ")+" has left the queue without finishing: the worker was killed; submit again to resume"
				break
			}
		}
	}
}

// Problems lists the entries that are not done, one line each with why.
func (c *Collection) Problems() []string {
	var out []string
	for _, r := range c.Runs {
		switch r.State {
		case StateDone:
			continue
		case StateFailed:
			out = append(out, fmt.Sprintf("%d %s: failed: %s", r.Index, r.ID, r.Error))
		case StateMissing:
			out = append(out, fmt.Sprintf("%d %s: missing (no worker has started it)", r.Index, r.ID))
		default:
			line := fmt.Sprintf("%d %s: %s, %d/%d epochs", r.Index, r.ID, r.State, r.EpochsDone, r.Epochs)
			if r.LastUpdate != nil {
				line += fmt.Sprintf(", last update %v ago", time.Since(*r.LastUpdate).Round(time.Second))
			}
			if r.Worker != "" {
				line += ", worker " + r.Worker
			}
			if r.Error != "" {
				line += "; " + r.Error
			}
			out = append(out, line)
		}
	}
	return out
}

// Write stores dir/collect.csv and dir/summary.csv.
func (c *Collection) Write(dir string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"index", "id", "group", "hidden", "method", "k", "lr", "epochs", "replica", "seed", "state",
		"epochs_done", "recon_error", "pseudo_ll", "ll_ais", "ll_rais", "train_seconds", "error"})
	for _, r := range c.Runs {
		w.Write([]string{strconv.Itoa(r.Index), r.ID, r.Group, strconv.Itoa(r.Hidden), r.Method, strconv.Itoa(r.K),
			fmtF(r.LR), strconv.Itoa(r.Epochs), strconv.Itoa(r.Replica), strconv.FormatUint(r.Seed, 10), r.State,
			strconv.Itoa(r.EpochsDone), fmtP(r.ReconError), fmtP(r.PseudoLL), fmtP(r.LLAIS), fmtP(r.LLRAIS),
			fmtF(r.TrainSeconds), r.Error})
	}
	w.Flush()
	if err := atomicfile.WriteBytes(filepath.Join(dir, "collect.csv"), buf.Bytes()); err != nil {
		return err
	}
	buf.Reset()
	w = csv.NewWriter(&buf)
	w.Write([]string{"group", "hidden", "method", "k", "lr", "epochs", "runs", "done",
		"recon_error_mean", "recon_error_sd", "pseudo_ll_mean", "pseudo_ll_sd", "ll_ais_mean", "ll_ais_sd",
		"ll_rais_mean", "ll_rais_sd", "train_seconds_mean", "train_seconds_sd"})
	for _, g := range c.Groups {
		row := []string{g.Group, strconv.Itoa(g.Hidden), g.Method, strconv.Itoa(g.K), fmtF(g.LR), strconv.Itoa(g.Epochs),
			strconv.Itoa(g.Total), strconv.Itoa(g.Done)}
		for _, s := range []Stat{g.ReconError, g.PseudoLL, g.LLAIS, g.LLRAIS, g.TrainSeconds} {
			row = append(row, fmtP(s.Mean), fmtP(s.SD))
		}
		w.Write(row)
	}
	w.Flush()
	return atomicfile.WriteBytes(filepath.Join(dir, "summary.csv"), buf.Bytes())
}

func fmtF(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }

func fmtP(x *float64) string {
	if x == nil {
		return ""
	}
	return fmtF(*x)
}
