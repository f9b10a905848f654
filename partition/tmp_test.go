package partition

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

func TestTmpProfile(t *testing.T) {
	md, err := rbm.Load(os.Getenv("TMPMODEL"))
	if err != nil {
		t.Skip(err)
	}
	data, _ := dataset.Load("mnist", dataset.Train, dataset.Binarize{})
	K, _ := strconv.Atoi(os.Getenv("TMPK"))
	opts := Options{Betas: mustSchedule(t, Linear, K), Chains: 100, BaseVisible: BaseRate(data.Means()), Seed: 1}
	a, _ := newAnnealer(tensor.Default(), md, opts, 100, purposeAIS)
	clear(a.P.Data)
	copy(a.biasV, a.aA32)
	a.visibleSample()
	bins := 40
	var cum []float64
	g := make([]float64, bins)
	prev := append([]float64(nil), a.logw...)
	for k := 1; k <= K; k++ {
		a.field()
		if k < K {
			a.hidden(k, sampleHi)
			a.visible(k)
		} else {
			a.hidden(k, noSample)
		}
		var m, m2 float64
		for c := range a.logw {
			d := a.logw[c] - prev[c]
			m += d
			m2 += d * d
			prev[c] = a.logw[c]
		}
		n := float64(len(a.logw))
		v := m2/n - (m/n)*(m/n)
		g[min((k-1)*bins/K, bins-1)] += v
		if k%(K/bins) == 0 {
			var lw, lw2 float64
			for _, x := range a.logw {
				lw += x
				lw2 += x * x
			}
			cum = append(cum, lw2/n-(lw/n)*(lw/n))
		}
	}
	tot := 0.0
	for _, x := range g {
		tot += x
	}
	s := ""
	for i, x := range g {
		s += fmt.Sprintf("β %.3f: %.4f (sqrt %.3f)  cumvar %.3f\n", float64(i)/float64(bins), x, math.Sqrt(x), cum[i])
	}
	var lw, lw2 float64
	for _, x := range a.logw {
		lw += x
		lw2 += x * x
	}
	n := float64(len(a.logw))
	t.Logf("LME %.3f mean %.3f", EstimateLogZ(a.logw, false, LogMeanExpEstimator), EstimateLogZ(a.logw, false, Mean))
	t.Logf("sum of per-step variances %.3f; var(logw) %.3f\n%s", tot, lw2/n-(lw/n)*(lw/n), s)
}
