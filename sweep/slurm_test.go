package sweep

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestArrayRanges(t *testing.T) {
	cases := []struct {
		in   []int
		want string
	}{
		{[]int{0, 1, 2, 3}, "0-3"},
		{[]int{5}, "5"},
		{[]int{0, 2, 3, 4, 7, 9, 10}, "0,2-4,7,9-10"},
		{[]int{3, 1, 2, 2}, "1-3"},
		{nil, ""},
	}
	for _, tc := range cases {
		if got := ArrayRanges(tc.in); got != tc.want {
			t.Errorf("ArrayRanges(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSlurmScript(t *testing.T) {
	p := mustExpand(t, paperYAML) // 20 entries; cpus 2, 4G, 12:00:00, partition gpu, 1 GPU, parallel 8
	dir := t.TempDir()
	if err := p.Write(dir, false); err != nil {
		t.Fatal(err)
	}
	s, err := SlurmScript(p, SlurmOptions{Exe: "/opt/bin/rbmscope", Indices: []int{0, 1, 2, 3, 7, 19}, Extra: []string{"--account=phys"}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(s, "\n")
	if lines[0] != "#!/bin/bash" {
		t.Errorf("first line %q", lines[0])
	}
	for _, want := range []string{
		"#SBATCH --job-name=rbmscope-paper",
		"#SBATCH --array=0-3,7,19%8",
		"#SBATCH --cpus-per-task=2",
		"#SBATCH --mem=4G",
		"#SBATCH --time=12:00:00",
		"#SBATCH --partition=gpu",
		"#SBATCH --gres=gpu:1",
		"#SBATCH --output=" + dir + "/logs/slurm-%A_%a.out",
		"#SBATCH --chdir=" + dir,
		"#SBATCH --account=phys",
		"export OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads GOMAXPROCS=$threads",
		"exec '/opt/bin/rbmscope' sweep worker --plan '" + dir + "/plan.json'",
	} {
		if !contains(lines, want) {
			t.Errorf("script lacks line %q:\n%s", want, s)
		}
	}
	// Every #SBATCH line comes before the first command.
	seenCmd := false
	for _, l := range lines {
		if strings.HasPrefix(l, "#SBATCH") && seenCmd {
			t.Errorf("#SBATCH after a command: %q", l)
		}
		if l != "" && !strings.HasPrefix(l, "#") {
			seenCmd = true
		}
	}
	// No resources given: no --mem/--time/--partition/--gres, no throttle.
	q := mustExpand(t, "hidden: [3, 4]")
	q.Write(t.TempDir(), false)
	s, err = SlurmScript(q, SlurmOptions{Exe: "/x/rbmscope", Indices: []int{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"--mem", "--time", "--partition", "--gres", "%"} {
		if strings.Contains(strings.ReplaceAll(s, "%A_%a", ""), absent) {
			t.Errorf("script has %q without a resource asking for it:\n%s", absent, s)
		}
	}
	if !strings.Contains(s, "#SBATCH --array=0-1\n") || !strings.Contains(s, "--cpus-per-task=1\n") {
		t.Errorf("script:\n%s", s)
	}
	for _, bad := range []SlurmOptions{
		{Exe: "rbmscope", Indices: []int{0}},
		{Exe: "/x/rbmscope", Indices: []int{2}},
		{Exe: "/x/rbmscope"},
		{Exe: "/x/rbmscope", Indices: []int{0}, Extra: []string{"account=x"}},
	} {
		if _, err := SlurmScript(q, bad); err == nil {
			t.Errorf("options %+v accepted", bad)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestParseJobIDAndSqueue(t *testing.T) {
	for in, want := range map[string]string{"12345\n": "12345", "77;cluster\n": "77"} {
		if got, err := parseJobID(in); err != nil || got != want {
			t.Errorf("parseJobID(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := parseJobID("Submitted batch job 5"); err == nil {
		t.Error("non-parsable output accepted")
	}
	got := parseSqueue("12|4-6%2|PENDING\n12|1|RUNNING\n12|0,2|PENDING\ngarbage\n13|x|RUNNING\n")
	want := []TaskState{{"12", 4, "PENDING"}, {"12", 5, "PENDING"}, {"12", 6, "PENDING"}, {"12", 1, "RUNNING"}, {"12", 0, "PENDING"}, {"12", 2, "PENDING"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parseSqueue = %+v, want %+v", got, want)
	}
}

// SubmitSlurm against a stand-in sbatch that records its arguments: the
// script holds only the pending entries and the job id is recorded.
func TestSubmitSlurmRecordsJob(t *testing.T) {
	p := tinyPlan(t, "3, 5", "resources: {parallel: 2}\n")
	if _, err := RunWorker(context.Background(), p, 1, WorkerOptions{}); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	fake := filepath.Join(bin, "sbatch")
	argsFile := filepath.Join(bin, "args")
	os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" > "+argsFile+"\necho '4242;local'\n"), 0o755)
	sub, err := SubmitSlurm(context.Background(), p, SlurmOptions{Exe: "/x/rbmscope", Sbatch: fake}, false)
	if err != nil {
		t.Fatal(err)
	}
	if sub.JobID != "4242" || sub.Indices != "0,2-3" {
		t.Fatalf("submission %+v", sub)
	}
	args, _ := os.ReadFile(argsFile)
	if strings.TrimSpace(string(args)) != "--parsable "+sub.File {
		t.Fatalf("sbatch called with %q", args)
	}
	script, _ := os.ReadFile(sub.File)
	if !strings.Contains(string(script), "#SBATCH --array=0,2-3%2\n") {
		t.Fatalf("script:\n%s", script)
	}
	subs, err := Submissions(p)
	if err != nil || len(subs) != 1 || subs[0].JobID != "4242" {
		t.Fatalf("submissions %+v %v", subs, err)
	}
	os.WriteFile(fake, []byte("#!/bin/sh\necho 'sbatch: error: invalid partition' >&2\nexit 1\n"), 0o755)
	if _, err := SubmitSlurm(context.Background(), p, SlurmOptions{Exe: "/x/rbmscope", Sbatch: fake}, false); err == nil || !strings.Contains(err.Error(), "invalid partition") {
		t.Fatalf("failing sbatch: %v", err)
	}
}
