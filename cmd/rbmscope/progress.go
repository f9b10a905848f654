package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress reports long work: a redrawn bar on a terminal, plain log lines
// otherwise (at most one per second, plus the last). It writes to stderr.
type progress struct {
	label    string
	total    int
	done     int
	start    time.Time
	last     time.Time
	w        io.Writer
	terminal bool
	quiet    bool
}

// newProgress starts a progress report for total steps.
func newProgress(label string, total int, quiet bool) *progress {
	return &progress{label: label, total: total, start: time.Now(), w: os.Stderr, terminal: isTerminal(os.Stderr), quiet: quiet}
}

// step advances by n and shows the optional note.
func (p *progress) step(n int, note string) {
	p.done += n
	if p.quiet {
		return
	}
	now := time.Now()
	final := p.done >= p.total
	if !final && now.Sub(p.last) < 200*time.Millisecond || (!p.terminal && !final && now.Sub(p.last) < time.Second) {
		return
	}
	p.last = now
	el := now.Sub(p.start).Round(time.Second)
	eta := ""
	if p.done > 0 && !final {
		rem := time.Duration(float64(now.Sub(p.start)) * float64(p.total-p.done) / float64(p.done)).Round(time.Second)
		eta = fmt.Sprintf(" eta %v", rem)
	}
	if p.terminal {
		const width = 30
		fill := width * p.done / max(p.total, 1)
		bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
		fmt.Fprintf(p.w, "\r\033[K%s %s %d/%d %v%s %s", p.label, bar, p.done, p.total, el, eta, note)
		if final {
			fmt.Fprintln(p.w)
		}
		return
	}
	fmt.Fprintf(p.w, "%s %d/%d %v%s %s\n", p.label, p.done, p.total, el, eta, note)
}

// logf prints a human line to stderr (clearing a bar first).
func (p *progress) logf(format string, args ...any) {
	if p.quiet {
		return
	}
	if p.terminal {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// printJSON writes v as indented JSON on stdout (machine output).
func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
