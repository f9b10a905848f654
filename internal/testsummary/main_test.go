package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Canned `go test -json` streams (Go 1.26 output, Time fields dropped).
const (
	skipStream = `{"Action":"start","Package":"x/sweep"}
{"Action":"run","Package":"x/sweep","Test":"TestSlurmArray"}
{"Action":"output","Package":"x/sweep","Test":"TestSlurmArray","Output":"=== RUN   TestSlurmArray\n"}
{"Action":"output","Package":"x/sweep","Test":"TestSlurmArray","Output":"    slurm_test.go:20: looking for sbatch\n"}
{"Action":"output","Package":"x/sweep","Test":"TestSlurmArray","Output":"    slurm_test.go:21: no local Slurm (needs root):\n"}
{"Action":"output","Package":"x/sweep","Test":"TestSlurmArray","Output":"        run scripts/slurm-local.sh start\n"}
{"Action":"output","Package":"x/sweep","Test":"TestSlurmArray","Output":"--- SKIP: TestSlurmArray (0.00s)\n"}
{"Action":"skip","Package":"x/sweep","Test":"TestSlurmArray","Elapsed":0}
{"Action":"run","Package":"x/sweep","Test":"TestPlan"}
{"Action":"output","Package":"x/sweep","Test":"TestPlan","Output":"=== RUN   TestPlan\n"}
{"Action":"run","Package":"x/sweep","Test":"TestPlan/yaml"}
{"Action":"output","Package":"x/sweep","Test":"TestPlan/yaml","Output":"--- PASS: TestPlan/yaml (0.00s)\n"}
{"Action":"pass","Package":"x/sweep","Test":"TestPlan/yaml","Elapsed":0}
{"Action":"run","Package":"x/sweep","Test":"TestPlan/bare"}
{"Action":"output","Package":"x/sweep","Test":"TestPlan/bare","Output":"--- SKIP: TestPlan/bare (0.00s)\n"}
{"Action":"skip","Package":"x/sweep","Test":"TestPlan/bare","Elapsed":0}
{"Action":"output","Package":"x/sweep","Test":"TestPlan","Output":"--- PASS: TestPlan (0.00s)\n"}
{"Action":"pass","Package":"x/sweep","Test":"TestPlan","Elapsed":0}
{"Action":"output","Package":"x/sweep","Output":"PASS\n"}
{"Action":"output","Package":"x/sweep","Output":"ok  \tx/sweep\t0.012s\n"}
{"Action":"pass","Package":"x/sweep","Elapsed":0.012}
`
	failStream = `{"Action":"start","Package":"x/train"}
{"Action":"run","Package":"x/train","Test":"TestResume"}
{"Action":"output","Package":"x/train","Test":"TestResume","Output":"=== RUN   TestResume\n"}
{"Action":"output","Package":"x/train","Test":"TestResume","Output":"    train_test.go:8: W differs at 3\n"}
{"Action":"output","Package":"x/train","Test":"TestResume","Output":"--- FAIL: TestResume (0.10s)\n"}
{"Action":"fail","Package":"x/train","Test":"TestResume","Elapsed":0.1}
{"Action":"run","Package":"x/train","Test":"TestOK"}
{"Action":"output","Package":"x/train","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"x/train","Test":"TestOK","Output":"    train_test.go:12: chatty log of a passing test\n"}
{"Action":"output","Package":"x/train","Test":"TestOK","Output":"--- PASS: TestOK (0.00s)\n"}
{"Action":"pass","Package":"x/train","Test":"TestOK","Elapsed":0}
{"Action":"output","Package":"x/train","Output":"FAIL\n"}
{"Action":"output","Package":"x/train","Output":"FAIL\tx/train\t0.2s\n"}
{"Action":"fail","Package":"x/train","Elapsed":0.2}
`
	buildStream = `{"ImportPath":"x/rbm [x/rbm.test]","Action":"build-output","Output":"# x/rbm [x/rbm.test]\n"}
{"ImportPath":"x/rbm [x/rbm.test]","Action":"build-output","Output":"rbm/model_test.go:5:28: undefined: nope\n"}
{"ImportPath":"x/rbm [x/rbm.test]","Action":"build-fail"}
{"Action":"start","Package":"x/rbm"}
{"Action":"output","Package":"x/rbm","Output":"FAIL\tx/rbm [build failed]\n"}
{"Action":"fail","Package":"x/rbm","Elapsed":0,"FailedBuild":"x/rbm [x/rbm.test]"}
{"Action":"start","Package":"x/cmd"}
{"Action":"output","Package":"x/cmd","Output":"?   \tx/cmd\t[no test files]\n"}
{"Action":"skip","Package":"x/cmd","Elapsed":0}
`
	timeoutStream = `{"Action":"start","Package":"x/partition"}
{"Action":"run","Package":"x/partition","Test":"TestAIS"}
{"Action":"output","Package":"x/partition","Test":"TestAIS","Output":"=== RUN   TestAIS\n"}
{"Action":"output","Package":"x/partition","Test":"TestAIS","Output":"panic: test timed out after 1s\n"}
{"Action":"output","Package":"x/partition","Output":"FAIL\tx/partition\t1.0s\n"}
{"Action":"fail","Package":"x/partition","Elapsed":1}
go: some line that is not JSON
`
	panicMainStream = `{"Action":"start","Package":"x/dataset"}
{"Action":"output","Package":"x/dataset","Output":"panic: TestMain could not open its fixture\n"}
{"Action":"output","Package":"x/dataset","Output":"\tdataset_test.go:9 +0x1d\n"}
{"Action":"output","Package":"x/dataset","Output":"FAIL\tx/dataset\t0.0s\n"}
{"Action":"fail","Package":"x/dataset","Elapsed":0}
`
)

func TestCollector(t *testing.T) {
	cases := []struct {
		name                    string
		stream                  string
		passed, failed, skipped int
		run                     int
		skips, fails            []string // entry.String() of each
		printed, notPrinted     []string
	}{
		{
			name: "skips with reasons", stream: skipStream, passed: 2, skipped: 2, run: 4,
			skips: []string{
				"[p] x/sweep TestSlurmArray: slurm_test.go:21: no local Slurm (needs root): run scripts/slurm-local.sh start",
				"[p] x/sweep TestPlan/bare: (no reason given)",
			},
			printed:    []string{"ok  \tx/sweep\t0.012s\n"},
			notPrinted: []string{"SKIP", "=== RUN", "PASS\n", "looking for sbatch"},
		},
		{
			name: "failed test", stream: failStream, passed: 1, failed: 1, run: 2,
			fails:      []string{"[p] x/train TestResume"},
			printed:    []string{"    train_test.go:8: W differs at 3\n--- FAIL: TestResume (0.10s)\n", "FAIL\tx/train\t0.2s\n"},
			notPrinted: []string{"chatty log", "=== RUN"},
		},
		{
			name: "build failure", stream: buildStream, failed: 1,
			fails:   []string{"[p] x/rbm: build failed (x/rbm [x/rbm.test])"},
			printed: []string{"rbm/model_test.go:5:28: undefined: nope\n", "FAIL\tx/rbm [build failed]\n", "[no test files]"},
		},
		{
			name: "timeout", stream: timeoutStream, failed: 1, run: 1,
			fails:   []string{"[p] x/partition TestAIS: did not finish (timeout or crash)"},
			printed: []string{"panic: test timed out after 1s\nFAIL\tx/partition", "go: some line that is not JSON\n"},
		},
		{
			name: "failure outside tests", stream: panicMainStream, failed: 1,
			fails:   []string{"[p] x/dataset: failed outside any test: panic: TestMain could not open its fixture"},
			printed: []string{"panic: TestMain"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			c := newCollector("p", &out)
			if err := c.read(strings.NewReader(tc.stream)); err != nil {
				t.Fatal(err)
			}
			if c.passed != tc.passed || c.failed != tc.failed || c.skipped != tc.skipped || c.run() != tc.run {
				t.Errorf("passed %d failed %d skipped %d run %d, want %d %d %d %d", c.passed, c.failed, c.skipped, c.run(), tc.passed, tc.failed, tc.skipped, tc.run)
			}
			if got := strs(c.skips); strings.Join(got, "\n") != strings.Join(tc.skips, "\n") {
				t.Errorf("skips\n%q\nwant\n%q", got, tc.skips)
			}
			if got := strs(c.fails); strings.Join(got, "\n") != strings.Join(tc.fails, "\n") {
				t.Errorf("failures\n%q\nwant\n%q", got, tc.fails)
			}
			for _, s := range tc.printed {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
			for _, s := range tc.notPrinted {
				if strings.Contains(out.String(), s) {
					t.Errorf("output has %q:\n%s", s, out.String())
				}
			}
		})
	}
}

func strs(es []entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.String())
	}
	return out
}

var summaryLine = regexp.MustCompile(`^summary: (\d+) passed, (\d+) failed, (\d+) skipped$`)

func TestSummarize(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok, bad, empty := write("ok.json", skipStream), write("bad.json", failStream+buildStream), write("empty.json", "")
	cases := []struct {
		name   string
		passes []pass
		steps  []step
		want   string // the summary line
		failed bool
		has    []string
	}{
		{"clean", []pass{{"pure-Go", ok, 0}, {"OpenBLAS", ok, 0}}, []step{{"go vet", 0}, {"race detector", 0}},
			"summary: 4 passed, 0 failed, 4 skipped", false,
			[]string{"== skipped tests (4)\n", "  [OpenBLAS] x/sweep TestSlurmArray: slurm_test.go:21: no local Slurm", "== race detector: ok\n", "== tests run: 8 "}},
		{"failures", []pass{{"pure-Go", ok, 0}, {"OpenBLAS", bad, 1}}, []step{{"go vet", 0}, {"fuzzing", 2}},
			"summary: 3 passed, 3 failed, 2 skipped", true,
			[]string{"== failures (3)\n", "  [OpenBLAS] x/train TestResume\n", "  [OpenBLAS] x/rbm: build failed", "  fuzzing: failed (exit status 2)\n", "== fuzzing: FAILED (exit status 2)\n"}},
		{"exit status without a failed test", []pass{{"pure-Go", empty, 1}}, nil,
			"summary: 0 passed, 1 failed, 0 skipped", true,
			[]string{"[pure-Go] go test: exited with status 1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			failed, err := summarize(&out, tc.passes, tc.steps)
			if err != nil {
				t.Fatal(err)
			}
			if failed != tc.failed {
				t.Errorf("failed = %v, want %v", failed, tc.failed)
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			last := lines[len(lines)-1]
			if last != tc.want || !summaryLine.MatchString(last) || !strings.HasSuffix(out.String(), last+"\n") {
				t.Errorf("last line %q, want %q\n%s", last, tc.want, out.String())
			}
			for _, s := range tc.has {
				if !strings.Contains(out.String(), s) {
					t.Errorf("summary lacks %q:\n%s", s, out.String())
				}
			}
		})
	}
}

func TestParseArgs(t *testing.T) {
	if p, err := parsePass("OpenBLAS=3=/tmp/a=b.json"); err != nil || p.label != "OpenBLAS" || p.status != 3 || p.file != "/tmp/a=b.json" {
		t.Errorf("parsePass: %+v %v", p, err)
	}
	if s, err := parseStep("go vet (both tags)=1"); err != nil || s.name != "go vet (both tags)" || s.status != 1 {
		t.Errorf("parseStep: %+v %v", s, err)
	}
	for _, bad := range []string{"x", "x=y=z"} {
		if _, err := parsePass(bad); err == nil {
			t.Errorf("parsePass(%q) accepted", bad)
		}
	}
	if _, err := parseStep("vet=ok"); err == nil {
		t.Error("parseStep accepted a non-number")
	}
}
