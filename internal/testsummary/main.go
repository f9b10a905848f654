// Command testsummary turns the `go test -json` streams of scripts/test.sh
// into readable output and a summary.
//
//	go test -json ./... | tee raw.json | testsummary print
//
// prints what plain `go test` would, as it arrives: the ok/FAIL line of
// every package, the output of every failed test, build errors, and
// package-level output (panics outside tests, timeouts). Passing and
// skipped tests print nothing.
//
//	testsummary summary [-step NAME=STATUS]... LABEL=STATUS=FILE...
//
// reads the raw streams of the test passes (LABEL names the pass, STATUS is
// its go test exit status) and prints the skipped tests with their skip
// reasons, the failures, and as the very last line
//
//	summary: N passed, N failed, N skipped
//
// Every test and subtest counts. A failure is a failed test, a package that
// failed to build, a test that never finished (timeout, crash), a package
// that failed outside any test, a pass that exited non-zero without any of
// these in its stream, and every -step (go vet, race detector, fuzzing)
// whose STATUS is not 0. summary exits 1 when there is a failure.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json, plus the build
// events of go test ≥ 1.24).
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	ImportPath  string // build-output, build-fail
	FailedBuild string // package fail caused by a build failure
}

// entry is one skipped test or one failure.
type entry struct {
	Pass    string // label of the pass
	Package string
	Test    string // "" for a package-level failure
	Reason  string
}

func (e entry) String() string {
	var b strings.Builder
	if e.Pass != "" {
		fmt.Fprintf(&b, "[%s] ", e.Pass)
	}
	b.WriteString(e.Package)
	if e.Test != "" {
		b.WriteString(" " + e.Test)
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	return b.String()
}

// collector folds a stream of events into counts and lists, and with out
// set prints the human-readable output as the events arrive.
type collector struct {
	out   io.Writer // nil: collect only
	label string

	passed, failed, skipped int
	skips, fails            []entry

	running    map[string][]string // package\x00test → buffered output lines
	pkgFailed  map[string]int      // failed tests per package
	lastOutput map[string]string   // package → last package-level output line but FAIL lines
}

func newCollector(label string, out io.Writer) *collector {
	return &collector{out: out, label: label, running: map[string][]string{}, pkgFailed: map[string]int{}, lastOutput: map[string]string{}}
}

func (c *collector) print(s string) {
	if c.out != nil {
		io.WriteString(c.out, s)
	}
}

// line handles one line of the stream.
func (c *collector) line(raw []byte) {
	s := strings.TrimRight(string(raw), "\r\n")
	if strings.TrimSpace(s) == "" {
		return
	}
	var e event
	if s[0] != '{' || json.Unmarshal([]byte(s), &e) != nil || e.Action == "" {
		c.print(s + "\n") // not an event: pass it on
		return
	}
	c.event(e)
}

func (c *collector) event(e event) {
	key := e.Package + "\x00" + e.Test
	switch {
	case e.Action == "build-output":
		c.print(e.Output)
	case e.Action == "build-fail", e.Action == "start":
	case e.Test == "" && e.Action == "output":
		if strings.HasPrefix(e.Output, "FAIL") {
			// the package is failing: show tests that never ended (a
			// timeout's stack trace) before its FAIL lines
			for _, k := range c.unfinished(e.Package) {
				c.printTest(c.running[k])
				c.running[k] = nil
			}
		}
		if e.Output != "PASS\n" {
			c.print(e.Output)
		}
		// the reason of a failure outside tests: the first panic line,
		// else the last line before FAIL
		if t := strings.TrimSpace(e.Output); t != "" && !strings.HasPrefix(t, "FAIL") && !strings.HasPrefix(c.lastOutput[e.Package], "panic:") {
			c.lastOutput[e.Package] = t
		}
	case e.Test == "" && e.Action == "fail":
		c.packageFailed(e)
	case e.Test == "" && (e.Action == "pass" || e.Action == "skip"): // skip: no test files
		c.dropPackage(e.Package)
	case e.Test == "":
	case e.Action == "run":
		c.running[key] = nil
	case e.Action == "output":
		c.running[key] = append(c.running[key], e.Output)
	case e.Action == "pass":
		c.passed++
		delete(c.running, key)
	case e.Action == "skip":
		c.skipped++
		c.skips = append(c.skips, entry{c.label, e.Package, e.Test, skipReason(c.running[key])})
		delete(c.running, key)
	case e.Action == "fail":
		c.failed++
		c.pkgFailed[e.Package]++
		c.fails = append(c.fails, entry{Pass: c.label, Package: e.Package, Test: e.Test})
		c.printTest(c.running[key])
		delete(c.running, key)
	}
}

// packageFailed records a package failure that no failed test explains:
// a build failure, tests that never finished, or a failure outside tests.
func (c *collector) packageFailed(e event) {
	if e.FailedBuild != "" {
		c.failed++
		c.fails = append(c.fails, entry{Pass: c.label, Package: e.Package, Reason: "build failed (" + e.FailedBuild + ")"})
		c.dropPackage(e.Package)
		return
	}
	unfinished := c.unfinished(e.Package)
	for _, k := range unfinished {
		c.printTest(c.running[k])
		c.failed++
		c.pkgFailed[e.Package]++
		c.fails = append(c.fails, entry{Pass: c.label, Package: e.Package, Test: strings.SplitN(k, "\x00", 2)[1], Reason: "did not finish (timeout or crash)"})
	}
	if c.pkgFailed[e.Package] == 0 {
		c.failed++
		reason := "failed outside any test"
		if l := c.lastOutput[e.Package]; l != "" {
			reason += ": " + l
		}
		c.fails = append(c.fails, entry{Pass: c.label, Package: e.Package, Reason: reason})
	}
	c.dropPackage(e.Package)
}

// unfinished lists the tests of pkg that started and never ended, in order.
func (c *collector) unfinished(pkg string) []string {
	var ks []string
	for k := range c.running {
		if strings.HasPrefix(k, pkg+"\x00") {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

func (c *collector) dropPackage(pkg string) {
	for _, k := range c.unfinished(pkg) {
		delete(c.running, k)
	}
	delete(c.pkgFailed, pkg)
	delete(c.lastOutput, pkg)
}

// printTest prints a test's buffered output without the -v progress lines.
func (c *collector) printTest(lines []string) {
	for _, l := range lines {
		if !isProgress(l) {
			c.print(l)
		}
	}
}

func isProgress(l string) bool {
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// skipReason is the message of t.Skip: the last log entry before
// "--- SKIP" (a line "    file.go:N: msg" and its indented continuation
// lines), on one line.
func skipReason(lines []string) string {
	var entries [][]string
	for _, l := range lines {
		l = strings.TrimRight(l, "\n")
		switch {
		case isProgress(l), strings.HasPrefix(strings.TrimSpace(l), "--- SKIP"):
		case strings.HasPrefix(l, "        ") && len(entries) > 0: // continuation
			entries[len(entries)-1] = append(entries[len(entries)-1], strings.TrimSpace(l))
		case strings.TrimSpace(l) != "":
			entries = append(entries, []string{strings.TrimSpace(l)})
		}
	}
	if len(entries) == 0 {
		return "(no reason given)"
	}
	return strings.Join(entries[len(entries)-1], " ")
}

// read feeds a whole stream to c.
func (c *collector) read(r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			c.line(b)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// pass is one go test pass given to summary: LABEL=STATUS=FILE.
type pass struct {
	label, file string
	status      int
}

func parsePass(s string) (pass, error) {
	parts := strings.SplitN(s, "=", 3)
	if len(parts) != 3 {
		return pass{}, fmt.Errorf("pass %q: want LABEL=STATUS=FILE", s)
	}
	st, err := strconv.Atoi(parts[1])
	if err != nil {
		return pass{}, fmt.Errorf("pass %q: status %q is not a number", s, parts[1])
	}
	return pass{parts[0], parts[2], st}, nil
}

// step is a non-test step given to summary: NAME=STATUS.
type step struct {
	name   string
	status int
}

func parseStep(s string) (step, error) {
	i := strings.LastIndex(s, "=")
	if i < 0 {
		return step{}, fmt.Errorf("step %q: want NAME=STATUS", s)
	}
	st, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return step{}, fmt.Errorf("step %q: status %q is not a number", s, s[i+1:])
	}
	return step{s[:i], st}, nil
}

// summarize writes the skip list, the failures and the summary line (last)
// and reports whether anything failed.
func summarize(w io.Writer, passes []pass, steps []step) (bool, error) {
	var passed, failed, skipped, run int
	var skips, fails []entry
	var perPass []string
	for _, p := range passes {
		c := newCollector(p.label, nil)
		f, err := os.Open(p.file)
		if err != nil {
			return true, err
		}
		err = c.read(f)
		f.Close()
		if err != nil {
			return true, fmt.Errorf("%s: %v", p.file, err)
		}
		if p.status != 0 && c.failed == 0 {
			c.failed++
			c.fails = append(c.fails, entry{Pass: p.label, Package: "go test", Reason: fmt.Sprintf("exited with status %d (see its output above)", p.status)})
		}
		passed, failed, skipped, run = passed+c.passed, failed+c.failed, skipped+c.skipped, run+c.run()
		skips, fails = append(skips, c.skips...), append(fails, c.fails...)
		perPass = append(perPass, fmt.Sprintf("%s: %d tests run: %d passed, %d skipped; %d failures", p.label, c.run(), c.passed, c.skipped, c.failed))
	}
	for _, s := range steps {
		if s.status != 0 {
			failed++
			fails = append(fails, entry{Package: s.name, Reason: fmt.Sprintf("failed (exit status %d)", s.status)})
		}
	}
	fmt.Fprintf(w, "\n== skipped tests (%d)\n", len(skips))
	for _, e := range skips {
		fmt.Fprintf(w, "  %s\n", e)
	}
	if len(fails) > 0 {
		fmt.Fprintf(w, "== failures (%d)\n", len(fails))
		for _, e := range fails {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	for _, s := range steps {
		res := "ok"
		if s.status != 0 {
			res = fmt.Sprintf("FAILED (exit status %d)", s.status)
		}
		fmt.Fprintf(w, "== %s: %s\n", s.name, res)
	}
	for _, l := range perPass {
		fmt.Fprintf(w, "== tests, %s\n", l)
	}
	fmt.Fprintf(w, "== tests run: %d (every test and subtest of every pass)\n", run)
	fmt.Fprintf(w, "summary: %d passed, %d failed, %d skipped\n", passed, failed, skipped)
	return failed > 0, nil
}

// run is the number of tests that ran: passed, skipped and failed tests,
// not the package and pass failures.
func (c *collector) run() int {
	n := c.passed + c.skipped
	for _, e := range c.fails {
		if e.Test != "" {
			n++
		}
	}
	return n
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "print":
		fs := flag.NewFlagSet("print", flag.ExitOnError)
		label := fs.String("label", "", "name of the pass")
		fs.Parse(os.Args[2:])
		if err := newCollector(*label, os.Stdout).read(os.Stdin); err != nil {
			fmt.Fprintln(os.Stderr, "testsummary:", err)
			os.Exit(1)
		}
	case "summary":
		fs := flag.NewFlagSet("summary", flag.ExitOnError)
		var stepArgs multiFlag
		fs.Var(&stepArgs, "step", "NAME=STATUS of a step that is not a go test -json pass (repeatable)")
		fs.Parse(os.Args[2:])
		var passes []pass
		var steps []step
		for _, a := range fs.Args() {
			p, err := parsePass(a)
			if err != nil {
				fatal(err)
			}
			passes = append(passes, p)
		}
		for _, a := range stepArgs {
			s, err := parseStep(a)
			if err != nil {
				fatal(err)
			}
			steps = append(steps, s)
		}
		bad, err := summarize(os.Stdout, passes, steps)
		if err != nil {
			fatal(err)
		}
		if bad {
			os.Exit(1)
		}
	default:
		usage()
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "testsummary:", err)
	fmt.Println("summary: 0 passed, 1 failed, 0 skipped")
	os.Exit(2)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: testsummary print [-label L] < go-test.json\n       testsummary summary [-step NAME=STATUS]... LABEL=STATUS=FILE...")
	os.Exit(2)
}
