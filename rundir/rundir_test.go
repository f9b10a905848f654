package rundir

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestMetricsCSVColumns checks that metrics_seconds is written and read back,
// and that a metrics.csv of an older version (no metrics_seconds column)
// still reads, so old runs resume and collect.
func TestMetricsCSVColumns(t *testing.T) {
	dir := t.TempDir()
	m0, m1 := NewMetrics(0), NewMetrics(1)
	m0.MetricsSeconds = 0.25
	m1.Seconds, m1.MetricsSeconds, m1.Updates, m1.PseudoLL, m1.LLAIS = 1.5, 0.125, 600, -0.14, -90.5
	m1.LLPTT, m1.LLPTTErr = -91.25, 0.0625
	if err := WriteMetrics(dir, []Metrics{m0, m1}); err != nil {
		t.Fatal(err)
	}
	ms, err := ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].MetricsSeconds != 0.25 || !math.IsNaN(ms[0].Seconds) || ms[1].Seconds != 1.5 ||
		ms[1].MetricsSeconds != 0.125 || ms[1].Updates != 600 || ms[1].PseudoLL != -0.14 || ms[1].LLAIS != -90.5 || !math.IsNaN(ms[1].LLRAIS) ||
		ms[1].LLPTT != -91.25 || ms[1].LLPTTErr != 0.0625 || !math.IsNaN(ms[0].LLPTT) {
		t.Fatalf("read back %+v", ms)
	}
	old := "epoch,seconds,updates,recon_error,pseudo_ll,ll_ais,ll_ais_err,ll_rais,ll_rais_err\n" +
		"0,,0,0.08,-0.25,,,,\n1,5.6,600,0.04,-0.14,-95,0.1,-96,0.2\n"
	if err := os.WriteFile(MetricsPath(dir), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	ms, err = ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[1].Seconds != 5.6 || ms[1].LLRAISErr != 0.2 || !math.IsNaN(ms[1].MetricsSeconds) || !math.IsNaN(ms[1].LLPTT) {
		t.Fatalf("old metrics.csv read as %+v", ms)
	}
	if err := os.WriteFile(MetricsPath(dir), []byte("epoch,foo\n0,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMetrics(dir); err == nil {
		t.Fatal("a metrics.csv without the required columns was accepted")
	}
}

// TestUpdateLLNaNPolicy: a NaN never overwrites a stored value; a missing
// epoch gets a row, and rows stay sorted.
func TestUpdateLLNaNPolicy(t *testing.T) {
	dir := t.TempDir()
	m := NewMetrics(2)
	m.Updates, m.PseudoLL = 10, -0.2
	if err := WriteMetrics(dir, []Metrics{m}); err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	steps := []struct {
		epoch int
		ll    LL
	}{
		{2, LL{-90, 0.1, -91, 0.2, nan, nan, nan, nan}},
		{2, LL{nan, nan, -92, 0.3, nan, nan, nan, nan}},        // AIS kept, RAIS replaced
		{1, LL{-95, 0.5, nan, nan, nan, nan, nan, nan}},        // new row before epoch 2
		{2, LL{nan, nan, nan, nan, -91.5, 0.05, -91.7, -91.2}}, // trajectory added, AIS/RAIS kept
		{2, LL{nan, nan, nan, nan, nan, nan, nan, -91.3}},      // only the trajectory's upper value replaced
	}
	for _, s := range steps {
		if err := UpdateLL(dir, s.epoch, s.ll); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Epoch != 1 || ms[1].Epoch != 2 {
		t.Fatalf("rows %+v", ms)
	}
	if ms[0].LLAIS != -95 || !math.IsNaN(ms[0].LLRAIS) || ms[0].Updates != 0 {
		t.Errorf("new row %+v", ms[0])
	}
	if g := ms[1]; g.LLAIS != -90 || g.LLAISErr != 0.1 || g.LLRAIS != -92 || g.LLRAISErr != 0.3 || g.PseudoLL != -0.2 || g.Updates != 10 {
		t.Errorf("updated row %+v", g)
	}
	if g := ms[1]; g.LLTraj != -91.5 || g.LLTrajErr != 0.05 || g.LLTrajLower != -91.7 || g.LLTrajUpper != -91.3 {
		t.Errorf("trajectory columns %+v", g)
	}
	if g := ms[0]; !math.IsNaN(g.LLTraj) || !math.IsNaN(g.LLTrajLower) || !math.IsNaN(g.LLTrajUpper) {
		t.Errorf("trajectory columns of a row without them %+v", g)
	}
	// The trainer's MergeMetrics keeps the trajectory columns that eval wrote.
	tr := NewMetrics(2)
	tr.Updates = 11
	if err := MergeMetrics(dir, []Metrics{tr}); err != nil {
		t.Fatal(err)
	}
	if ms, err = ReadMetrics(dir); err != nil {
		t.Fatal(err)
	}
	if g := ms[1]; g.Updates != 11 || g.LLTraj != -91.5 || g.LLTrajErr != 0.05 || g.LLTrajLower != -91.7 || g.LLTrajUpper != -91.3 || g.LLAIS != -90 {
		t.Errorf("after the trainer's merge %+v", g)
	}
}

// A trajectory estimate replaces all four trajectory columns, its NaN
// lower side included: trajectory AIS after the PT trajectory must not
// leave PT's lower value beside its own estimate.
func TestUpdateLLTrajectoryIsOneSet(t *testing.T) {
	dir := t.TempDir()
	nan := math.NaN()
	for _, ll := range []LL{
		{nan, nan, nan, nan, -91.5, 0.05, -91.7, -91.2}, // PT: both sides
		{nan, nan, nan, nan, -90.8, 0.2, nan, -90.8},    // trajectory AIS: no lower side here
	} {
		if err := UpdateLL(dir, 3, ll); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if g := ms[0]; g.LLTraj != -90.8 || g.LLTrajErr != 0.2 || !math.IsNaN(g.LLTrajLower) || g.LLTrajUpper != -90.8 {
		t.Errorf("trajectory columns %+v, want the second estimate's, lower side empty", g)
	}
}

func TestCheckpoints(t *testing.T) {
	dir := t.TempDir()
	if _, err := Checkpoints(dir); err == nil {
		t.Fatal("a directory without checkpoints/ is accepted")
	}
	if err := os.MkdirAll(CheckpointsPath(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range []int{10, 0, 5, 12} {
		if err := os.WriteFile(CheckpointPath(dir, e), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(StatePath(dir), nil, 0o644)
	os.WriteFile(filepath.Join(CheckpointsPath(dir), "epoch-x.npz"), nil, 0o644)
	cks, err := Checkpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, c := range cks {
		got = append(got, c.Epoch)
	}
	if len(got) != 4 || got[0] != 0 || got[1] != 5 || got[2] != 10 || got[3] != 12 {
		t.Fatalf("epochs %v", got)
	}
	if cks[2].Path != filepath.Join(dir, "checkpoints", "epoch-0010.npz") {
		t.Errorf("path %s", cks[2].Path)
	}
	var every []int
	for _, c := range Every(cks, 10) {
		every = append(every, c.Epoch)
	}
	if len(every) != 3 || every[2] != 12 {
		t.Errorf("Every(10) = %v, want [0 10 12]", every)
	}
	fin, ini, err := FinalAndInit(dir)
	if err != nil || fin.Epoch != 12 || ini.Epoch != 0 {
		t.Errorf("FinalAndInit = %v %v %v", fin, ini, err)
	}
}

func TestInfoRoundTrip(t *testing.T) {
	dir := t.TempDir()
	type info struct {
		Status string `json:"status"`
	}
	if err := WriteInfo(dir, info{"done"}); err != nil {
		t.Fatal(err)
	}
	var got info
	if err := ReadInfo(dir, &got); err != nil || got.Status != "done" {
		t.Fatalf("%+v %v", got, err)
	}
	os.WriteFile(InfoPath(dir), []byte("{"), 0o644)
	if err := ReadInfo(dir, &got); err == nil {
		t.Fatal("broken run.json accepted")
	}
}
