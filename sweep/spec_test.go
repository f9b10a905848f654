package sweep

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/train"
)

const paperYAML = `
name: paper
hidden: [100, 250, 500, 1000]
method: [pcd]
k: [10]
lr: [0.001]
replicas: 5
train:
  batch: 100
  epochs: 20
  optimizer: adam
  seed: 7
eval: true
resources: {cpus: 2, memory: 4G, time: "12:00:00", partition: gpu, gpus: 1, parallel: 8}
kubernetes: {image: "ghcr.io/x/rbmscope:1", pvc: sweeps}
`

const paperJSON = `{"name":"paper","hidden":[100,250,500,1000],"method":["PCD"],"k":[10],"lr":[1e-3],"replicas":5,
"train":{"batch":100,"epochs":20,"optimizer":"adam","seed":7},"eval":true,
"resources":{"cpus":2,"memory":"4G","time":"12:00:00","partition":"gpu","gpus":1,"parallel":8},
"kubernetes":{"image":"ghcr.io/x/rbmscope:1","pvc":"sweeps"}}`

func mustExpand(t testing.TB, src string) *Plan {
	t.Helper()
	s, err := ParseSpec([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Expand(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExpandPaperGrid(t *testing.T) {
	p := mustExpand(t, paperYAML)
	if len(p.Entries) != 4*5 {
		t.Fatalf("%d entries, want 20", len(p.Entries))
	}
	ids := map[string]bool{}
	groups := map[string]int{}
	for i, e := range p.Entries {
		if e.Index != i {
			t.Errorf("entry %d has index %d", i, e.Index)
		}
		if ids[e.ID] {
			t.Errorf("duplicate id %s", e.ID)
		}
		ids[e.ID] = true
		groups[e.Group]++
		c := e.Config
		// The fixed settings reach every entry, the rest are train's defaults.
		if c.Batch != 100 || c.Epochs != 20 || c.Optimizer != "adam" || c.Method != "pcd" || c.K != 10 || c.LR != 0.001 {
			t.Errorf("entry %s: config %+v", e.ID, c)
		}
		if def := train.DefaultConfig(); c.InitStd != def.InitStd || c.Data != def.Data || c.CheckEvery != def.CheckEvery {
			t.Errorf("entry %s lost a default: %+v", e.ID, c)
		}
		// Seeds default to train.seed + replica.
		if c.Seed != 7+uint64(e.Replica) || e.Replica != i%5 {
			t.Errorf("entry %s: replica %d seed %d", e.ID, e.Replica, c.Seed)
		}
		if e.Steps.Eval == nil || e.Steps.Eval.Every != c.Epochs || e.Steps.Analyze != nil || e.Steps.Symmetry != nil {
			t.Errorf("entry %s: steps %+v", e.ID, e.Steps)
		}
		if !strings.HasPrefix(e.ID, e.Group+"-r") {
			t.Errorf("id %s does not extend group %s", e.ID, e.Group)
		}
	}
	if len(groups) != 4 {
		t.Errorf("%d groups, want 4", len(groups))
	}
	for g, n := range groups {
		if n != 5 {
			t.Errorf("group %s has %d replicas", g, n)
		}
	}
	if p.Entries[12].ID != "h500-pcd-k10-lr0.001-r2" {
		t.Errorf("entry 12 is %s, want h500-pcd-k10-lr0.001-r2", p.Entries[12].ID)
	}
}

func TestYAMLAndJSONGiveTheSamePlan(t *testing.T) {
	a, b := mustExpand(t, paperYAML), mustExpand(t, paperJSON)
	ja, _ := json.Marshal(a.Entries)
	jb, _ := json.Marshal(b.Entries)
	if string(ja) != string(jb) {
		t.Fatalf("YAML and JSON specs expand differently:\n%s\n%s", ja, jb)
	}
	if !reflect.DeepEqual(a.Spec.Resources, b.Spec.Resources) || a.Spec.K8s.Image != b.Spec.K8s.Image {
		t.Fatalf("resources differ: %+v vs %+v", a.Spec.Resources, b.Spec.Resources)
	}
}

func TestIDsAreStable(t *testing.T) {
	p := mustExpand(t, paperYAML)
	q := mustExpand(t, paperYAML)
	if !reflect.DeepEqual(p.Entries, q.Entries) {
		t.Fatal("expanding the same spec twice differs")
	}
	// Growing the grid keeps the ids of the runs that were there before.
	bigger := mustExpand(t, strings.Replace(paperYAML, "lr: [0.001]", "lr: [0.001, 0.01]", 1))
	have := map[string]train.Config{}
	for _, e := range bigger.Entries {
		have[e.ID] = e.Config
	}
	if len(bigger.Entries) != 40 {
		t.Fatalf("%d entries, want 40", len(bigger.Entries))
	}
	for _, e := range p.Entries {
		if c, ok := have[e.ID]; !ok || c != e.Config {
			t.Errorf("id %s lost or changed meaning when lr 0.01 was added", e.ID)
		}
	}
}

func TestExpandSeedsAndEpochs(t *testing.T) {
	p := mustExpand(t, "hidden: [8]\nmethod: [cd, rdm]\nepochs: [2, 4]\nseeds: [11, 42]\n")
	if len(p.Entries) != 2*2*2 {
		t.Fatalf("%d entries", len(p.Entries))
	}
	want := []string{
		"h8-cd-k10-lr0.001-e2-r0", "h8-cd-k10-lr0.001-e2-r1", "h8-cd-k10-lr0.001-e4-r0", "h8-cd-k10-lr0.001-e4-r1",
		"h8-rdm-k10-lr0.001-e2-r0", "h8-rdm-k10-lr0.001-e2-r1", "h8-rdm-k10-lr0.001-e4-r0", "h8-rdm-k10-lr0.001-e4-r1",
	}
	for i, e := range p.Entries {
		if e.ID != want[i] {
			t.Errorf("entry %d: id %s, want %s", i, e.ID, want[i])
		}
		if seed := []uint64{11, 42}[e.Replica]; e.Config.Seed != seed {
			t.Errorf("entry %s: seed %d, want %d", e.ID, e.Config.Seed, seed)
		}
	}
	// A spec with no grid at all is one run of train's defaults.
	q := mustExpand(t, "name: one\n")
	def := train.DefaultConfig()
	if len(q.Entries) != 1 || q.Entries[0].Config != def {
		t.Fatalf("empty grid: %+v", q.Entries)
	}
}

func TestUniqueIDsAddsHash(t *testing.T) {
	es := []Entry{{ID: "a", Group: "g"}, {ID: "a", Group: "g"}, {ID: "b", Group: "g"}}
	es[1].Config.Seed = 3
	uniqueIDs(es)
	if es[0].ID == es[1].ID || !strings.HasPrefix(es[0].ID, "a-") || len(es[0].ID) != len("a-")+8 || es[2].ID != "b" {
		t.Fatalf("ids %q %q %q", es[0].ID, es[1].ID, es[2].ID)
	}
}

func TestParseSpecErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"", "empty"},
		{"hiden: [100]", "unknown field"},
		{"hidden: [100, 100]", "twice"},
		{"method: [pcd, PCD]", "twice"},
		{"method: [gibbs]", "method must be one of"},
		{"hidden: [0]", "hidden units"},
		{"lr: [-1]", "lr values"},
		{"k: [0]", "k (Gibbs"},
		{"replicas: 3\nseeds: [1, 2]", "2 seeds for 3 replicas"},
		{"replicas: -1", "replicas"},
		{"train: {batchsize: 10}", "batchsize"},
		{"train: {optimizer: rmsprop}", "optimizer"},
		{"name: My Sweep", "spec name"},
		{"resources: {memory: 4GB}", "resources.memory"},
		{"resources: {time: forever}", "resources.time"},
		{"resources: {cpus: -2}", "resources.cpus"},
		{"resources: {partition: 'a b'}", "partition"},
		{"kubernetes: {mount: relative/dir}", "kubernetes.mount"},
		{"kubernetes: {pvc: Bad_Name}", "kubernetes.pvc"},
		{"kubernetes: {env: {'A B': x}}", "kubernetes.env"},
		{"hidden: 100", "spec:"},
		{"- a\n- b", "spec:"},
		{"{", "spec:"},
	}
	for _, tc := range cases {
		_, err := ParseSpec([]byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !badinput.Is(err) {
			t.Errorf("%q: error %v, want a spec error containing %q", tc.src, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error is not one line: %q", tc.src, err)
		}
	}
}

func TestPlanWriteRead(t *testing.T) {
	dir := t.TempDir()
	p := mustExpand(t, paperYAML)
	if err := p.Write(dir, false); err != nil {
		t.Fatal(err)
	}
	q, err := ReadPlan(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Entries, q.Entries) || q.Dir() != dir || q.RunDir(q.Entries[3]) != dir+"/runs/"+q.Entries[3].ID {
		t.Fatalf("round trip differs (dir %s)", q.Dir())
	}
	if err := p.Write(dir, false); err != nil {
		t.Fatalf("rewriting the same plan: %v", err)
	}
	other := mustExpand(t, "hidden: [3]")
	if err := other.Write(dir, false); err == nil || !strings.Contains(err.Error(), "different plan") {
		t.Fatalf("overwriting a different plan: %v", err)
	}
	if err := other.Write(dir, true); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Entry(len(q.Entries)); err == nil || !badinput.Is(err) {
		t.Fatalf("out-of-range index: %v", err)
	}
}

// FuzzPlanSpec checks that no input makes the spec parser or the
// expansion panic, and that a spec that parses expands to unique ids.
func FuzzPlanSpec(f *testing.F) {
	f.Add([]byte(paperYAML))
	f.Add([]byte(paperJSON))
	f.Add([]byte("hidden: [8]\nmethod: [cd, rdm]\nepochs: [2, 4]\nseeds: [11, 42]\n"))
	f.Add([]byte("train: {data: x.npy, batch: 0}"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSpec(data)
		if err != nil {
			if s != nil || strings.Contains(err.Error(), "\n") {
				t.Fatalf("bad error result %v", err)
			}
			return
		}
		// Keep the expansion small enough for the fuzzer.
		n := max(len(s.Hidden), 1) * max(len(s.Method), 1) * max(len(s.K), 1) * max(len(s.LR), 1) * max(len(s.Epochs), 1) * max(s.Replicas, len(s.Seeds), 1)
		if n > 2000 {
			return
		}
		p, err := Expand(s)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, e := range p.Entries {
			if seen[e.ID] || e.ID == "" || strings.ContainsAny(e.ID, "/\\") {
				t.Fatalf("bad or duplicate id %q", e.ID)
			}
			seen[e.ID] = true
		}
	})
}

func TestResolveData(t *testing.T) {
	p := mustExpand(t, "hidden: [3, 4]\ntrain: {data: testdata/tiny.npy}\n")
	q := mustExpand(t, "hidden: [3]\ntrain: {data: /in/container.npy}\n")
	r := mustExpand(t, "hidden: [3]\ntrain: {data: not/here.npy}\n")
	wd, _ := os.Getwd()
	for _, x := range []*Plan{p, q, r} {
		x.ResolveData(wd)
	}
	if p.Entries[1].Config.Data != filepath.Join(wd, "testdata/tiny.npy") || q.Entries[0].Config.Data != "/in/container.npy" ||
		r.Entries[0].Config.Data != "not/here.npy" || mustExpand(t, "name: m").Entries[0].Config.Data != "mnist" {
		t.Fatalf("data paths %q %q %q", p.Entries[1].Config.Data, q.Entries[0].Config.Data, r.Entries[0].Config.Data)
	}
}
