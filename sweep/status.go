package sweep

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Status is the progress of a sweep: the states of its entries read from
// the run directories and, for Slurm submissions, the array tasks still in
// the queue ("rbmscope sweep status"; its JSON form is --json).
type Status struct {
	Plan     string         `json:"plan"`
	Counts   map[string]int `json:"counts"`
	Problems []string       `json:"problems"`
	Slurm    []TaskState    `json:"slurm,omitempty"`
	Queue    string         `json:"queue,omitempty"` // why there is no squeue information
	Jobs     []string       `json:"-"`               // Slurm job ids of the submissions
	c        *Collection
}

// ReadStatus collects p and asks squeue about its Slurm jobs (entries
// whose task left the queue without a word become stopped).
func ReadStatus(ctx context.Context, p *Plan) (*Status, error) {
	c, err := Collect(p)
	if err != nil {
		return nil, err
	}
	st := &Status{Plan: p.Path(), Counts: c.Counts, Problems: c.Problems(), c: c}
	subs, err := Submissions(p)
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		if s.Executor == "slurm" && s.JobID != "" {
			st.Jobs = append(st.Jobs, s.JobID)
		}
	}
	if len(st.Jobs) > 0 {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		tasks, err := Squeue(ctx, st.Jobs)
		if err != nil {
			st.Queue = err.Error()
		} else {
			c.MarkLostSlurmTasks(st.Jobs, tasks)
			st.Problems = c.Problems()
		}
		st.Slurm = tasks
	}
	return st, nil
}

// Lines is the human report: the counts, the problems and the queue.
func (st *Status) Lines() []string {
	lines := st.c.Lines()
	if len(st.Jobs) == 0 {
		return lines
	}
	jobs := strings.Join(st.Jobs, ",")
	if st.Queue != "" {
		return append(lines, fmt.Sprintf("slurm jobs %s: %s", jobs, st.Queue))
	}
	byState := map[string][]int{}
	for _, t := range st.Slurm {
		byState[t.State] = append(byState[t.State], t.Index)
	}
	if len(byState) == 0 {
		lines = append(lines, fmt.Sprintf("slurm jobs %s: no array task left in the queue", jobs))
	}
	var states []string
	for s := range byState {
		states = append(states, s)
	}
	sort.Strings(states)
	for _, s := range states {
		lines = append(lines, fmt.Sprintf("slurm %s: %d task(s): %s", strings.ToLower(s), len(byState[s]), ArrayRanges(byState[s])))
	}
	return lines
}

// Lines is the human summary of a collection: the count of entries per
// state, then one indented line per problem.
func (c *Collection) Lines() []string {
	var parts []string
	for _, s := range []string{StateDone, StateRunning, StateStopped, StateFailed, StateMissing} {
		if n := c.Counts[s]; n > 0 || s == StateDone {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	lines := []string{fmt.Sprintf("%d entries: %s", len(c.Runs), strings.Join(parts, ", "))}
	for _, line := range c.Problems() {
		lines = append(lines, "  "+line)
	}
	return lines
}
