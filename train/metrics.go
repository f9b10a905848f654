package train

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/internal/atomic"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// Metrics is one row of metrics.csv: the state after Epoch epochs.
// Fields that were not measured are NaN.
type Metrics struct {
	Epoch      int     `json:"epoch"`
	Seconds    float64 `json:"seconds"`     // wall seconds of the epoch's updates
	Updates    int     `json:"updates"`     // parameter updates so far
	ReconError float64 `json:"recon_error"` // mean squared error of v vs p(v|h), h ~ p(h|v), on the eval subset
	PseudoLL   float64 `json:"pseudo_ll"`   // exact pseudo-log-likelihood per visible unit on the eval subset
	LLAIS      float64 `json:"ll_ais"`      // test LL from AIS (stochastic upper bound)
	LLAISErr   float64 `json:"ll_ais_err"`
	LLRAIS     float64 `json:"ll_rais"` // test LL from reverse AIS (stochastic lower bound)
	LLRAISErr  float64 `json:"ll_rais_err"`
}

var metricsHeader = []string{"epoch", "seconds", "updates", "recon_error", "pseudo_ll", "ll_ais", "ll_ais_err", "ll_rais", "ll_rais_err"}

// NewMetrics returns a row with every measurement unset (NaN).
func NewMetrics(epoch int) Metrics {
	n := math.NaN()
	return Metrics{Epoch: epoch, Seconds: n, ReconError: n, PseudoLL: n, LLAIS: n, LLAISErr: n, LLRAIS: n, LLRAISErr: n}
}

func fmtF(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', 10, 64)
}

// WriteMetrics writes runDir/metrics.csv atomically.
func WriteMetrics(runDir string, ms []Metrics) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(metricsHeader)
	for _, m := range ms {
		w.Write([]string{strconv.Itoa(m.Epoch), fmtF(m.Seconds), strconv.Itoa(m.Updates), fmtF(m.ReconError), fmtF(m.PseudoLL),
			fmtF(m.LLAIS), fmtF(m.LLAISErr), fmtF(m.LLRAIS), fmtF(m.LLRAISErr)})
	}
	w.Flush()
	return atomic.WriteBytes(filepath.Join(runDir, "metrics.csv"), buf.Bytes())
}

// ReadMetrics reads runDir/metrics.csv (an empty list if it does not exist).
func ReadMetrics(runDir string) ([]Metrics, error) {
	p := filepath.Join(runDir, "metrics.csv")
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	if len(rows) == 0 || len(rows[0]) != len(metricsHeader) {
		return nil, fmt.Errorf("%s: unexpected header", p)
	}
	var out []Metrics
	for i, r := range rows[1:] {
		m := NewMetrics(0)
		var err error
		if m.Epoch, err = strconv.Atoi(r[0]); err != nil {
			return nil, fmt.Errorf("%s line %d: bad epoch %q", p, i+2, r[0])
		}
		if m.Updates, err = strconv.Atoi(r[2]); err != nil {
			return nil, fmt.Errorf("%s line %d: bad updates %q", p, i+2, r[2])
		}
		for k, dst := range []*float64{&m.Seconds, nil, &m.ReconError, &m.PseudoLL, &m.LLAIS, &m.LLAISErr, &m.LLRAIS, &m.LLRAISErr} {
			if dst == nil || r[k+1] == "" {
				continue
			}
			if *dst, err = strconv.ParseFloat(r[k+1], 64); err != nil {
				return nil, fmt.Errorf("%s line %d: bad %s %q", p, i+2, metricsHeader[k+1], r[k+1])
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// ReconError returns the mean squared error between the rows of v and
// p(v|h) with h ~ p(h|v) drawn from key.
func ReconError(be tensor.Backend, p *rbm.Params32, v *tensor.Mat32, key uint64) float64 {
	s := rbm.NewSampler(be, p, tensor.RestoreStream(key, 0))
	c := rbm.NewChains(v.Rows, v.Cols, p.W.Cols)
	s.Hidden(v, c.ProbH, c.H)
	s.Visible(c.H, c.ProbV, nil)
	var e float64
	for i, x := range v.Data {
		d := float64(x - c.ProbV.Data[i])
		e += d * d
	}
	return e / float64(len(v.Data))
}

// PseudoLogLikelihood returns the exact pseudo-log-likelihood per visible
// unit, (1/N) Σ_i log p(v_i | v_{−i}), averaged over the rows of v: every
// one of the N single-bit flips is evaluated (no random subset of units).
// p(v_i|v_{−i}) = sig(F(v with bit i flipped) − F(v)).
func PseudoLogLikelihood(be tensor.Backend, p *rbm.Params32, v *tensor.Mat32) float64 {
	n, m := p.W.Rows, p.W.Cols
	act := tensor.NewMat32(v.Rows, m)
	be.Gemm(false, false, 1, v, p.W, 0, act)
	rowPLL := make([]float64, v.Rows)
	tensor.ParallelRows(v.Rows, n*m, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			x := act.Row(r)
			for j := range x {
				x[j] += p.B[j]
			}
			var base float64
			for _, xj := range x {
				base += tensor.Softplus32(xj)
			}
			var s float64
			for i, vi := range v.Row(r) {
				d := float32(1 - 2*vi) // +1 turns a 0 on, −1 turns a 1 off
				w := p.W.Row(i)
				var flipped float64
				for j, xj := range x {
					flipped += tensor.Softplus32(xj + d*w[j])
				}
				// F(v^i) − F(v) = −a_i d − (flipped − base)
				delta := -float64(p.A[i]*d) - (flipped - base)
				s -= tensor.Softplus64(-delta) // log sig(delta)
			}
			rowPLL[r] = s / float64(n)
		}
	})
	var tot float64
	for _, x := range rowPLL {
		tot += x
	}
	return tot / float64(v.Rows)
}

// evaluate fills the recon error and pseudo-LL of row m on the eval set.
func (t *Trainer) evaluate(m *Metrics, eval *dataset.Set) {
	if eval == nil || eval.Len() == 0 {
		return
	}
	key := tensor.NewStream(t.Cfg.Seed, purposeEval, uint64(t.Epoch)).Key()
	m.ReconError = ReconError(t.Backend, t.P, eval.X, key)
	m.PseudoLL = PseudoLogLikelihood(t.Backend, t.P, eval.X)
}
