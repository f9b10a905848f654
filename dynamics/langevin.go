package dynamics

import (
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/tensor"
)

// LangevinOptions configure an Euler–Maruyama integration of the
// over-damped Langevin equation dz = −∇Φ(z)dt + √2 dW (Eq. 33's
// stochastic form, D = 1).
type LangevinOptions struct {
	Particles int     // independent particles
	Steps     int     // time steps
	Dt        float64 // step size
	Every     int     // record moments every this many steps (and at the end); ≤ 0: only at the end
	Seed      uint64
	// Lo, Hi (1-D only, optional): reflecting walls; both zero = none.
	Lo, Hi float64
}

// Langevin is the result of an integration: per recorded time the
// per-coordinate mean and variance over particles, and the final states.
type Langevin struct {
	Times     []float64
	Mean, Var [][]float64 // [time][coordinate]
	Final     [][]float64 // [particle][coordinate]
}

// RunLangevin integrates every particle from z0 with the gradient grad
// (which must be safe for concurrent calls: it writes only to g).
// Particle i draws its noise from tensor.RowRand(key, i) of the stream
// (Seed, 2), so trajectories do not depend on how particles are split
// over threads; moments are summed in particle order.
func RunLangevin(z0 []float64, grad func(z, g []float64), o LangevinOptions) (*Langevin, error) {
	d := len(z0)
	if d == 0 || o.Particles < 2 || o.Steps < 1 || !(o.Dt > 0) {
		return nil, fmt.Errorf("langevin: need a start point, ≥ 2 particles, ≥ 1 step and dt > 0 (got %d, %d, %v)", o.Particles, o.Steps, o.Dt)
	}
	walls := o.Lo != 0 || o.Hi != 0
	if walls && (d != 1 || !(o.Hi > o.Lo)) {
		return nil, fmt.Errorf("langevin: reflecting walls need one coordinate and Hi > Lo")
	}
	every := o.Every
	if every <= 0 || every > o.Steps {
		every = o.Steps
	}
	var rec []int
	for s := every; s <= o.Steps; s += every {
		rec = append(rec, s)
	}
	if rec[len(rec)-1] != o.Steps {
		rec = append(rec, o.Steps)
	}
	traj := make([][]float64, o.Particles) // [particle][record*d + coord]
	key := tensor.NewStream(o.Seed, 2).Key()
	noise := math.Sqrt(2 * o.Dt)
	tensor.ParallelRows(o.Particles, o.Steps*d, func(lo, hi int) {
		g := make([]float64, d)
		for p := lo; p < hi; p++ {
			r := tensor.RowRand(key, p)
			z := append([]float64(nil), z0...)
			out := make([]float64, 0, len(rec)*d)
			next := 0
			for s := 1; s <= o.Steps; s++ {
				grad(z, g)
				for c := range z {
					z[c] += -g[c]*o.Dt + noise*r.NormFloat64()
				}
				if walls {
					z[0] = reflect(z[0], o.Lo, o.Hi)
				}
				if s == rec[next] {
					out = append(out, z...)
					next++
				}
			}
			traj[p] = out
		}
	})
	return moments(traj, rec, d, o), nil
}

// reflect folds q back into [lo, hi].
func reflect(q, lo, hi float64) float64 {
	for q < lo || q > hi {
		if q < lo {
			q = 2*lo - q
		}
		if q > hi {
			q = 2*hi - q
		}
	}
	return q
}

func moments(traj [][]float64, rec []int, d int, o LangevinOptions) *Langevin {
	l := &Langevin{}
	n := float64(len(traj))
	for k, s := range rec {
		mean, vr := make([]float64, d), make([]float64, d)
		for _, t := range traj {
			for c := 0; c < d; c++ {
				mean[c] += t[k*d+c]
			}
		}
		for c := range mean {
			mean[c] /= n
		}
		for _, t := range traj {
			for c := 0; c < d; c++ {
				e := t[k*d+c] - mean[c]
				vr[c] += e * e
			}
		}
		for c := range vr {
			vr[c] /= n - 1
		}
		l.Times = append(l.Times, float64(s)*o.Dt)
		l.Mean, l.Var = append(l.Mean, mean), append(l.Var, vr)
	}
	last := len(rec) - 1
	for _, t := range traj {
		l.Final = append(l.Final, append([]float64(nil), t[last*d:]...))
	}
	return l
}

// QuadraticGrad returns the gradient Kz of Φ = ½zᵀKz for a symmetric
// d×d matrix k (row-major).
func QuadraticGrad(k []float64, d int) func(z, g []float64) {
	return func(z, g []float64) {
		for i := 0; i < d; i++ {
			s := 0.0
			for j := 0; j < d; j++ {
				s += k[i*d+j] * z[j]
			}
			g[i] = s
		}
	}
}

// ClosureStiffness returns the 2×2 stiffness block K_k = [[1/s_x², −σ],
// [−σ, 1/s_y²]] of a paired mode in (x, y) coordinates (Eq. 47).
func ClosureStiffness(sigma, sx2, sy2 float64) []float64 {
	return []float64{1 / sx2, -sigma, -sigma, 1 / sy2}
}
