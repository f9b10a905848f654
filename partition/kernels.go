package partition

import (
	"math"

	"github.com/rbmscope/rbmscope/tensor"
)

// The elementwise half of an AIS step, fused. Per hidden unit the free-energy
// increment sp(β_k t) − sp(β_{k−1} t) and the hidden sample share one
// exponential, and the increment is formed directly as
//
//	Δβ·max(t,0) + log1p(e^{−β_k|t|}) − log1p(e^{−β_{k−1}|t|})
//
// in float64, instead of as the difference of two large float32 softplus
// sums. The GEMMs stay on the tensor.Backend. With the OpenBLAS backend the
// same two kernels run as C (kernels_openblas.go, cHidden and cVisible).
// (Promoting them to backend operations would let a GPU backend run them
// too.)

// The C kernels, set by kernels_openblas.go in the OpenBLAS build.
var (
	cHidden  func(a *annealer, lo, hi float64, fLo, fHi float32, sampleAt int, key uint64)
	cVisible func(a *annealer, key uint64)
)

// expNeg32 returns e^x for x ≤ 0 (0 below −87) with relative error below
// 3e-7.
func expNeg32(x float32) float32 {
	if x < -87 {
		return 0
	}
	return tensor.ExpReduced(x)
}

const inv24 = 1.0 / (1 << 24)

// uniforms hands out 24-bit uniforms in [0,1), two per 64-bit draw.
type uniforms struct {
	g    tensor.Rand
	bits uint64
	have bool
}

func (u *uniforms) next() float32 {
	if u.have {
		u.have = false
		return float32(u.bits&(1<<24-1)) * inv24
	}
	u.bits = u.g.Uint64()
	u.have = true
	return float32(u.bits>>40) * inv24
}

// Which inverse temperature the hidden kernel samples h at.
const (
	noSample = iota
	sampleHi // β_k (forward AIS)
	sampleLo // β_{k−1} (reverse AIS)
)

// hidden adds F_{β_{k−1}}(v) − F_{β_k}(v) to every chain's log-weight, using
// t = b + Wᵀv from X and Σ_i v_i(a_i − a^A_i) from linV, and optionally
// samples H ~ Bern(sig(β t)) at β_k or β_{k−1}.
func (a *annealer) hidden(k, sampleAt int) {
	lo, hi := a.betas[k-1], a.betas[k]
	fLo, fHi := a.betas32[k-1], a.betas32[k]
	d := hi - lo
	var key uint64
	if sampleAt != noSample {
		key = a.stream.Key()
	}
	if a.useC {
		cHidden(a, lo, hi, fLo, fHi, sampleAt, key)
		return
	}
	bias := a.p.B
	tensor.ParallelRows(a.X.Rows, a.X.Cols, func(r0, r1 int) {
		for c := r0; c < r1; c++ {
			x := a.X.Row(c)
			h := a.H.Row(c)
			u := uniforms{g: tensor.RowRand(key, c)}
			var pos, corr float64
			for j, xv := range x {
				t := xv + bias[j]
				at := t
				if t < 0 {
					at = -t
				} else {
					pos += float64(t)
				}
				eHi := float64(expNeg32(-fHi * at))
				s := d * float64(at)
				var eLo float64
				if s < 0.02 {
					// r − 1 = expm1(s) and log1p(−y), y = eHi(r−1)/(1+eLo),
					// by series (errors below 1e-12).
					rm1 := s * (1 + s*(0.5+s*(1.0/6+s*(1.0/24+s*(1.0/120)))))
					eLo = eHi * (1 + rm1)
					y := eHi * rm1 / (1 + eLo)
					corr -= y * (1 + y*(0.5+y*(1.0/3+y*(0.25+y*0.2))))
				} else {
					eLo = float64(expNeg32(-fLo * at))
					corr += math.Log1p(eHi) - math.Log1p(eLo)
				}
				if sampleAt == noSample {
					continue
				}
				e := eHi
				if sampleAt == sampleLo {
					e = eLo
				}
				// u < sig(βt) ⇔ u(1+e) < 1 (t > 0) or < e (t ≤ 0), e = e^{−β|t|}.
				lim := e
				if t > 0 {
					lim = 1
				}
				h[j] = 0
				if float64(u.next())*(1+e) < lim {
					h[j] = 1
				}
			}
			a.logw[c] += d*(a.linV[c]+pos) + corr
		}
	})
}

// visible samples V ~ Bern(sig(P + biasV)) and refreshes linV.
func (a *annealer) visibleSample() {
	key := a.stream.Key()
	if a.useC {
		cVisible(a, key)
		return
	}
	tensor.ParallelRows(a.P.Rows, a.P.Cols, func(r0, r1 int) {
		for c := r0; c < r1; c++ {
			p := a.P.Row(c)
			v := a.V.Row(c)
			u := uniforms{g: tensor.RowRand(key, c)}
			s := 0.0
			for i, z := range p {
				z += a.biasV[i]
				az, lim := -z, float32(1)
				if z <= 0 {
					az = z
				}
				var e float32
				if az > -17 {
					e = expNeg32(az)
				} // else e < 2^-24: with 24-bit u the decision below is the same with e = 0
				if z <= 0 {
					lim = e
				}
				v[i] = 0
				if un := u.next(); un*(1+e) < lim || (z <= 0 && e == 0 && un == 0) {
					v[i] = 1
					s += a.lin[i]
				}
			}
			a.linV[c] = s
		}
	})
}

// refreshLin recomputes linV = Σ_i v_i(a_i − a^A_i) for externally set V.
func (a *annealer) refreshLin() {
	for c := range a.linV {
		s := 0.0
		for i, v := range a.V.Row(c) {
			if v != 0 {
				s += a.lin[i]
			}
		}
		a.linV[c] = s
	}
}
