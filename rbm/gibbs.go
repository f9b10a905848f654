package rbm

import "github.com/rbmscope/rbmscope/tensor"

// Sampler runs block Gibbs sampling of float32 parameters on a backend.
// It is not safe for concurrent use.
type Sampler struct {
	Backend tensor.Backend
	P       *Params32
	Stream  *tensor.Stream
}

// NewSampler returns a sampler for p on backend be with random stream s.
func NewSampler(be tensor.Backend, p *Params32, s *tensor.Stream) *Sampler {
	return &Sampler{Backend: be, P: p, Stream: s}
}

// Hidden sets prob = p(h=1|v) and, if h is non-nil, samples h from it.
// v is R×N; prob and h are R×M. The product vW skips the zeros of v
// (tensor.Backend.MulSparse), which pays off for 0/1 states.
func (s *Sampler) Hidden(v, prob, h *tensor.Mat32) {
	s.Backend.MulSparse(v, s.P.W, prob)
	s.Backend.SigmoidSample(prob, s.P.B, 1, prob, h, s.Stream.Key())
}

// Visible sets prob = p(v=1|h) and, if v is non-nil, samples v from it.
// h is R×M; prob and v are R×N.
func (s *Sampler) Visible(h, prob, v *tensor.Mat32) {
	s.Backend.Gemm(false, true, 1, h, s.P.W, 0, prob)
	s.Backend.SigmoidSample(prob, s.P.A, 1, prob, v, s.Stream.Key())
}

// Chains is a set of R persistent Gibbs chains with their buffers.
type Chains struct {
	V, H         *tensor.Mat32 // current states, R×N and R×M
	ProbV, ProbH *tensor.Mat32 // conditional probabilities from the last half-steps
}

// NewChains allocates R chains of an N×M model, all states zero.
func NewChains(r, n, m int) *Chains {
	return &Chains{V: tensor.NewMat32(r, n), H: tensor.NewMat32(r, m), ProbV: tensor.NewMat32(r, n), ProbH: tensor.NewMat32(r, m)}
}

// Sweep runs k block-Gibbs sweeps v → h → v on the chains, then one more
// half-step v → h so that H and ProbH belong to the final V.
func (s *Sampler) Sweep(c *Chains, k int) {
	for t := 0; t < k; t++ {
		s.Hidden(c.V, c.ProbH, c.H)
		s.Visible(c.H, c.ProbV, c.V)
	}
	s.Hidden(c.V, c.ProbH, c.H)
}
