package partition

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// aisModel is the 12×8 model of checks T1.6–T1.9 (docs/theory.md §Tests):
// W ~ N(0, 0.6²), a ~ N(−0.5, 0.5²), b ~ N(0, 0.5²), with the base rate
// fitted to 2000 exact model samples.
func aisModel(t testing.TB) (*rbm.Model, []float64, float64) {
	t.Helper()
	md := rbm.New(12, 8)
	g := tensor.RowRand(3, 0)
	for i := range md.W.Data {
		md.W.Data[i] = 0.6 * g.NormFloat64()
	}
	for i := range md.A {
		md.A[i] = -0.5 + 0.5*g.NormFloat64()
	}
	for j := range md.B {
		md.B[j] = 0.5 * g.NormFloat64()
	}
	lz, err := ExactLogZ(md)
	if err != nil {
		t.Fatal(err)
	}
	data, err := ExactSamples(md, 2000, 99)
	if err != nil {
		t.Fatal(err)
	}
	return md, BaseRate(columnMeans(data)), lz
}

func columnMeans(x *tensor.Mat32) []float64 {
	m := make([]float64, x.Cols)
	for r := 0; r < x.Rows; r++ {
		for i, v := range x.Row(r) {
			m[i] += float64(v) / float64(x.Rows)
		}
	}
	return m
}

func mustSchedule(t testing.TB, kind string, k int) []float64 {
	t.Helper()
	b, err := Schedule(kind, k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// T1.6: AIS and reverse AIS (from exact samples) with K=1000, C=500 land
// within 0.05 of the exact log Z, and num − log Z brackets the exact LL.
func TestAISAndReverseAISMatchExact(t *testing.T) {
	md, aA, lz := aisModel(t)
	be := tensor.Default()
	opts := Options{Betas: mustSchedule(t, Linear, 1000), Chains: 500, BaseVisible: aA, Seed: 1}
	ais, err := AIS(context.Background(), be, md, opts)
	if err != nil {
		t.Fatal(err)
	}
	start, _ := ExactSamples(md, 500, 7)
	rais, err := ReverseAIS(context.Background(), be, md, start, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exact %.4f  AIS %.4f±%.4f (mean %.4f)  RAIS %.4f±%.4f (mean %.4f)", lz, ais.LogZ, ais.LogZErr, ais.LogZMean, rais.LogZ, rais.LogZErr, rais.LogZMean)
	for _, r := range []*Result{ais, rais} {
		if math.Abs(r.LogZ-lz) > 0.05 {
			t.Errorf("%s log Z %.4f, exact %.4f", r.Method, r.LogZ, lz)
		}
		if !(r.LogZErr > 0 && r.LogZErr < 0.05) || r.Chains != 500 || r.Betas != 1000 || len(r.LogW) != 500 {
			t.Errorf("%s: bad bookkeeping %+v", r.Method, *r)
		}
	}
	// Without resampling the chains are independent (forward: own random
	// streams; reverse: independent exact starts), so each chain is one
	// repetition of the one-chain estimator and their spread gives standard
	// errors that owe nothing to the code's bootstrap. Against the exact
	// log Z:
	//   - E[w] = Z forward and E[1/r] = 1/Z reverse, exactly: the chain
	//     mean of x = w/Z (resp. Z/r) is 1 within 4 standard errors
	//     sd(x)/√C (an offset δ in every log-weight moves it to e^{±δ}, so
	//     δ ≈ 3e-3 already fails at this C and spread);
	//   - Jensen on those expectations, E[log w] ≤ log Z ≤ E[log r]: the
	//     plain mean of the log-weights (LogZMean, the mean estimator) does
	//     not cross log Z by more than 4 standard errors sd(log w)/√C;
	//   - the reported (bootstrap) error of LogZ = log mean x + log Z is the
	//     delta-method error sd(x)/(√C·mean x) up to the bootstrap's own
	//     noise: 200 resamplings estimate a standard deviation to a relative
	//     1/√(2·199) ≈ 0.05, so ±0.25 is a 5σ band (the delta method's own
	//     error is O(sd(x)²) ≈ 1e-4 here).
	for _, r := range []*Result{ais, rais} {
		sign := 1.0 // x = e^{sign·(log w − log Z)}
		if r.Method == "rais" {
			sign = -1
		}
		c := float64(len(r.LogW))
		var mx, mx2, ml, ml2 float64
		for _, lw := range r.LogW {
			x := math.Exp(sign * (lw - lz))
			mx, mx2 = mx+x/c, mx2+x*x/c
			ml, ml2 = ml+lw/c, ml2+lw*lw/c
		}
		sx := math.Sqrt((mx2 - mx*mx) * c / (c - 1))
		sl := math.Sqrt((ml2 - ml*ml) * c / (c - 1))
		t.Logf("%s: mean x %.5f ± %.5f, mean log-weight − log Z %.5f ± %.5f, bootstrap/delta-method error %.3f",
			r.Method, mx, sx/math.Sqrt(c), ml-lz, sl/math.Sqrt(c), r.LogZErr/(sx/(math.Sqrt(c)*mx)))
		if math.Abs(mx-1) > 4*sx/math.Sqrt(c) {
			t.Errorf("%s: chain mean of the weight ratio %.5f, want 1 ± 4·%.5f", r.Method, mx, sx/math.Sqrt(c))
		}
		if math.Abs(r.LogZMean-ml) > 1e-12*math.Abs(ml) || sign*(ml-lz) > 4*sl/math.Sqrt(c) {
			t.Errorf("%s: mean log-weight %.6f (reported %.6f) on the wrong side of log Z %.6f by more than 4·%.6f",
				r.Method, ml, r.LogZMean, lz, sl/math.Sqrt(c))
		}
		if q := r.LogZErr / (sx / (math.Sqrt(c) * mx)); math.Abs(q-1) > 0.25 {
			t.Errorf("%s: bootstrap error %.6f is %.3f× the delta-method error", r.Method, r.LogZErr, q)
		}
	}
	test, _ := ExactSamples(md, 500, 8)
	num, _ := MeanNegFreeEnergy(md, test)
	b := Bounds(num, ais, rais, LogMeanExpEstimator)
	if math.Abs(b.LLAIS-(num-lz)) > 0.05 || math.Abs(b.LLRAIS-(num-lz)) > 0.05 || b.LLAISErr != ais.LogZErr {
		t.Errorf("bounds %+v, exact LL %.4f", b, num-lz)
	}
	bm := Bounds(num, ais, nil, Mean)
	if bm.LLAIS != num-ais.LogZMean || !math.IsNaN(bm.LLRAIS) {
		t.Errorf("mean bounds %+v", bm)
	}
}

// T1.7: with a short schedule (K=10) the sandwich mean log w < log Z <
// mean log r holds (averaged over 5 seeds), and T1.8: the log-mean-exp
// estimators lean the right way over 50 repetitions with C=20.
func TestAISSandwichShortSchedule(t *testing.T) {
	md, aA, lz := aisModel(t)
	be := tensor.Default()
	betas := mustSchedule(t, Linear, 10)
	var mw, mr float64
	for seed := uint64(1); seed <= 5; seed++ {
		opts := Options{Betas: betas, Chains: 500, BaseVisible: aA, Seed: seed}
		a, err := AIS(context.Background(), be, md, opts)
		if err != nil {
			t.Fatal(err)
		}
		start, _ := ExactSamples(md, 500, 100+seed)
		r, err := ReverseAIS(context.Background(), be, md, start, opts)
		if err != nil {
			t.Fatal(err)
		}
		mw += a.LogZMean / 5
		mr += r.LogZMean / 5
	}
	t.Logf("K=10: mean log w %.4f < log Z %.4f < mean log r %.4f", mw, lz, mr)
	if !(mw < lz && lz < mr) {
		t.Errorf("sandwich fails: %.4f < %.4f < %.4f", mw, lz, mr)
	}
	var ea, er float64
	const reps = 50
	for rep := uint64(0); rep < reps; rep++ {
		opts := Options{Betas: betas, Chains: 20, BaseVisible: aA, Seed: 1000 + rep}
		a, _ := AIS(context.Background(), be, md, opts)
		start, _ := ExactSamples(md, 20, 2000+rep)
		r, _ := ReverseAIS(context.Background(), be, md, start, opts)
		ea += a.LogZ / reps
		er += r.LogZ / reps
	}
	t.Logf("K=10, C=20, 50 reps: E[AIS] %.4f, log Z %.4f, E[RAIS] %.4f", ea, lz, er)
	if ea > lz+0.01 || er < lz-0.01 {
		t.Errorf("bias direction: E[AIS] %.4f, E[RAIS] %.4f, log Z %.4f", ea, er, lz)
	}
}

// T1.9: W = 0 and a^A = a: every forward and reverse log-weight equals the
// exact log Z (zero variance).
func TestAISZeroWeightsIsExact(t *testing.T) {
	md, _, _ := aisModel(t)
	clear(md.W.Data)
	lz, _ := ExactLogZ(md)
	for _, kind := range ScheduleKinds {
		opts := Options{Betas: mustSchedule(t, kind, 100), Chains: 50, BaseVisible: md.A, Seed: 4}
		a, err := AIS(context.Background(), tensor.Default(), md, opts)
		if err != nil {
			t.Fatal(err)
		}
		start := randomData(30, 12, 0.5, 3)
		r, err := ReverseAIS(context.Background(), tensor.Default(), md, start, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range []*Result{a, r} {
			for c, w := range res.LogW {
				if w != res.LogW[0] || math.Abs(w-lz) > 1e-5 {
					t.Fatalf("%s %s chain %d: log-weight %.10f, exact log Z %.10f", kind, res.Method, c, w, lz)
				}
			}
			if res.LogZErr > 1e-12 {
				t.Errorf("%s %s: nonzero spread %v", kind, res.Method, res.LogZErr)
			}
		}
	}
}

func TestAISDeterministicAndCancellable(t *testing.T) {
	md, aA, _ := aisModel(t)
	opts := Options{Betas: mustSchedule(t, SM08, 60), Chains: 40, BaseVisible: aA, Seed: 5}
	a1, _ := AIS(context.Background(), tensor.Gonum(), md, opts)
	a2, _ := AIS(context.Background(), tensor.Gonum(), md, opts)
	for c := range a1.LogW {
		if a1.LogW[c] != a2.LogW[c] {
			t.Fatal("same seed gave different log-weights")
		}
	}
	opts.Seed = 6
	a3, _ := AIS(context.Background(), tensor.Gonum(), md, opts)
	if a3.LogW[0] == a1.LogW[0] {
		t.Fatal("different seeds gave the same log-weights")
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	opts.Progress = func(done, total int) {
		calls++
		if done >= 32 {
			cancel()
		}
	}
	if _, err := AIS(ctx, tensor.Gonum(), md, opts); !errors.Is(err, context.Canceled) || calls == 0 {
		t.Fatalf("cancel: err %v after %d progress calls", err, calls)
	}
}

func TestAISRejectsBadInput(t *testing.T) {
	md, aA, _ := aisModel(t)
	ok := mustSchedule(t, Linear, 5)
	for name, o := range map[string]Options{
		"no chains":        {Betas: ok, BaseVisible: aA},
		"bad schedule":     {Betas: []float64{0, 0.5, 0.4, 1}, Chains: 2},
		"short base":       {Betas: ok, Chains: 2, BaseVisible: aA[:3]},
		"not ending at 1":  {Betas: []float64{0, 0.5}, Chains: 2},
		"non-finite base":  {Betas: ok, Chains: 2, BaseVisible: append([]float64{math.NaN()}, aA[1:]...)},
		"empty schedule":   {Chains: 2},
		"repeated float32": {Betas: []float64{0, 0.5, 0.5 + 1e-12, 1}, Chains: 2},
	} {
		if _, err := AIS(context.Background(), tensor.Default(), md, o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	half := tensor.NewMat32(2, 12)
	half.Data[0] = 0.5
	if _, err := ReverseAIS(context.Background(), tensor.Default(), md, half, Options{Betas: ok}); err == nil {
		t.Error("non-binary start accepted")
	}
	if _, err := ReverseAIS(context.Background(), tensor.Default(), md, tensor.NewMat32(2, 5), Options{Betas: ok}); err == nil {
		t.Error("wrong start width accepted")
	}
}

// OpenBLAS and gonum run the same chains: per-chain log-weights agree to
// float32 noise except for the rare chain whose sample flips at a threshold.
func TestAISBackendsAgree(t *testing.T) {
	ob, ok := tensor.ByName("openblas")
	if !ok {
		t.Skip("built without the openblas tag")
	}
	md := randomModel(100, 40, 0.1, 0.5, 8)
	opts := Options{Betas: mustSchedule(t, Linear, 300), Chains: 100, BaseVisible: BaseRate(make([]float64, 100)), Seed: 2}
	for i := range opts.BaseVisible {
		opts.BaseVisible[i] = -1
	}
	g, err := AIS(context.Background(), tensor.Gonum(), md, opts)
	if err != nil {
		t.Fatal(err)
	}
	o, err := AIS(context.Background(), ob, md, opts)
	if err != nil {
		t.Fatal(err)
	}
	same := 0
	for c := range g.LogW {
		if math.Abs(g.LogW[c]-o.LogW[c]) < 1e-3 {
			same++
		}
	}
	t.Logf("gonum %.5f±%.5f, openblas %.5f±%.5f, %d/%d chains identical to 1e-3", g.LogZ, g.LogZErr, o.LogZ, o.LogZErr, same, len(g.LogW))
	if same < 90 || math.Abs(g.LogZ-o.LogZ) > 3*math.Hypot(g.LogZErr, o.LogZErr)+1e-4 {
		t.Fatalf("backends disagree: %d/100 chains equal, %v vs %v", same, g.LogZ, o.LogZ)
	}
}

// LongChains reaches the model's visible means (exact by enumeration).
func TestLongChainsReachModel(t *testing.T) {
	md, _, lz := aisModel(t)
	v, err := LongChains(context.Background(), tensor.Default(), md, nil, 4000, 100, 3)
	if err != nil {
		t.Fatal(err)
	}
	got := columnMeans(v)
	want := make([]float64, 12)
	x := make([]float64, 12)
	for s := 0; s < 1<<12; s++ {
		for i := range x {
			x[i] = float64(s >> i & 1)
		}
		p := math.Exp(-md.FreeEnergyV(x) - lz)
		for i := range want {
			want[i] += p * x[i]
		}
	}
	for i := range want {
		if se := math.Sqrt(want[i] * (1 - want[i]) / 4000); math.Abs(got[i]-want[i]) > 5*se {
			t.Errorf("unit %d: chain mean %.4f, exact %.4f (se %.4f)", i, got[i], want[i], se)
		}
	}
}

// Options.Resample (SMC): on a rugged model (16×10, weights of scale 2)
// and a schedule short enough (K=15) for the weights to degenerate,
// resampling happens, the forward and reverse estimates land within their
// errors of the exact log Z, and the forward estimate of Z stays unbiased
// (the mean of Ẑ/Z over repetitions with few chains is 1).
func TestAISResampling(t *testing.T) {
	md := randomModel(16, 10, 2, 1, 4)
	lz, err := ExactLogZ(md)
	if err != nil {
		t.Fatal(err)
	}
	aA := make([]float64, 16)
	be := tensor.Default()
	betas := mustSchedule(t, Linear, 15)
	opts := Options{Betas: betas, Chains: 500, BaseVisible: aA, Seed: 3, Resample: 0.5}
	ais, err := AIS(context.Background(), be, md, opts)
	if err != nil {
		t.Fatal(err)
	}
	start, _ := ExactSamples(md, 500, 9)
	rais, err := ReverseAIS(context.Background(), be, md, start, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("K=15 with resampling: exact %.4f  AIS %.4f±%.4f (%d resamplings)  RAIS %.4f±%.4f (%d)", lz, ais.LogZ, ais.LogZErr, ais.Resamples, rais.LogZ, rais.LogZErr, rais.Resamples)
	for _, r := range []*Result{ais, rais} {
		if r.Resamples == 0 {
			t.Errorf("%s: weights never degenerated enough to resample; make the test harder", r.Method)
		}
		if math.Abs(r.LogZ-lz) > 4*r.LogZErr {
			t.Errorf("%s with resampling: log Z %.4f ± %.4f, exact %.4f", r.Method, r.LogZ, r.LogZErr, lz)
		}
	}
	const reps = 200
	var ratio, ratio2 float64
	resampled := 0
	for rep := uint64(0); rep < reps; rep++ {
		o := Options{Betas: betas, Chains: 20, BaseVisible: aA, Seed: 5000 + rep, Resample: 0.5}
		a, err := AIS(context.Background(), be, md, o)
		if err != nil {
			t.Fatal(err)
		}
		x := math.Exp(a.LogZ - lz)
		ratio += x / reps
		ratio2 += x * x / reps
		resampled += min(a.Resamples, 1)
	}
	se := math.Sqrt((ratio2 - ratio*ratio) / reps)
	t.Logf("E[Ẑ/Z] = %.4f ± %.4f over %d runs of 20 chains, %d of them resampled", ratio, se, reps, resampled)
	if math.Abs(ratio-1) > 4*se || resampled < reps/2 {
		t.Errorf("resampled AIS: E[Ẑ/Z] = %.4f ± %.4f, %d of %d runs resampled", ratio, se, resampled, reps)
	}
	if _, err := AIS(context.Background(), be, md, Options{Betas: betas, Chains: 5, BaseVisible: aA, Resample: 1.5}); err == nil {
		t.Error("Resample 1.5 accepted")
	}
}

// Reverse AIS started from exact samples of the model estimates 1/Z without
// bias, with and without resampling (the counterpart of the forward check
// in TestAISResampling): over independent runs of 20 chains on the rugged
// 16×10 model the mean of Z/Ẑ_RAIS = Z·mean(1/r) is 1 within 4 standard
// errors, the error taken from the spread of the runs. Starts are drawn by
// enumeration (ExactSamples) and split among the runs, so the runs are
// independent. K = 40 keeps the weights light-tailed enough for the sample
// standard error to be trusted (≈ 0.014 over 500 runs); at K = 15 it is
// 2–3× larger and driven by rare runs. The float32 rounding of the model
// moves log Z by at most 2^-24·Σ|θ| ≈ 2e-5, far below that error.
func TestReverseAISUnbiased(t *testing.T) {
	md := randomModel(16, 10, 2, 1, 4)
	lz, err := ExactLogZ(md)
	if err != nil {
		t.Fatal(err)
	}
	aA := make([]float64, 16)
	betas := mustSchedule(t, Linear, 40)
	const reps, chains = 500, 20
	for _, resample := range []float64{0, 0.5} {
		starts, err := ExactSamples(md, reps*chains, 11)
		if err != nil {
			t.Fatal(err)
		}
		var mean, mean2 float64
		resampled := 0
		for rep := 0; rep < reps; rep++ {
			o := Options{Betas: betas, BaseVisible: aA, Seed: 7000 + uint64(rep), Resample: resample}
			r, err := ReverseAIS(context.Background(), tensor.Default(), md, starts.Slice(rep*chains, (rep+1)*chains), o)
			if err != nil {
				t.Fatal(err)
			}
			x := math.Exp(lz - r.LogZ) // Z · mean over chains of 1/r
			mean += x / reps
			mean2 += x * x / reps
			resampled += min(r.Resamples, 1)
		}
		se := math.Sqrt((mean2 - mean*mean) / (reps - 1))
		t.Logf("resample %v: E[Z/Ẑ_RAIS] = %.4f ± %.4f over %d runs of %d chains, %d of them resampled", resample, mean, se, reps, chains, resampled)
		if math.Abs(mean-1) > 4*se {
			t.Errorf("reverse AIS (resample %v): E[Z/Ẑ] = %.4f ± %.4f, want 1", resample, mean, se)
		}
		if resample > 0 && resampled < reps/4 {
			t.Errorf("only %d of %d runs resampled; the test no longer covers resampling", resampled, reps)
		}
	}
}
