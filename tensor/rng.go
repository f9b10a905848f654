package tensor

import (
	"math"
	"math/bits"
)

// Stream is a seeded, counter-based source of random keys. Each call to
// Key returns a fresh 64-bit key; kernels derive one small generator per
// row from (key, row), so output is independent of parallel scheduling.
// A Stream is not safe for concurrent use; give each goroutine its own
// (NewStream with distinct ids).
type Stream struct {
	key, ctr uint64
}

// NewStream derives a stream from a seed and any number of ids (replica,
// purpose, ...). Distinct id tuples give independent streams.
func NewStream(seed uint64, ids ...uint64) *Stream {
	k := mix64(seed ^ 0x9e3779b97f4a7c15)
	for _, id := range ids {
		k = mix64(k ^ mix64(id+0x632be59bd9b4e019))
	}
	return &Stream{key: k}
}

// Key returns the next key of the stream.
func (s *Stream) Key() uint64 {
	s.ctr++
	return mix64(s.key ^ mix64(s.ctr*0xbf58476d1ce4e5b9))
}

// State returns the stream's internal state so it can be checkpointed.
func (s *Stream) State() (key, ctr uint64) { return s.key, s.ctr }

// RestoreStream rebuilds a stream from State.
func RestoreStream(key, ctr uint64) *Stream { return &Stream{key: key, ctr: ctr} }

// mix64 is the splitmix64 finaliser.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Rand is a small fast generator (wyrand) for one row of a kernel.
type Rand struct{ s uint64 }

// RowRand returns the generator for row i under key.
func RowRand(key uint64, i int) Rand { return Rand{s: mix64(key ^ (uint64(i)+1)*0x9e3779b97f4a7c15)} }

// Uint64 returns 64 random bits.
func (r *Rand) Uint64() uint64 {
	r.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// Float64 returns a uniform number in [0, 1).
func (r *Rand) Float64() float64 { return float64(r.Uint64()>>11) * (1.0 / (1 << 53)) }

// NormFloat64 returns a standard normal number (Box–Muller, one value).
func (r *Rand) NormFloat64() float64 {
	for {
		u := r.Float64()
		if u > 0 {
			return boxMuller(u, r.Float64())
		}
	}
}

func boxMuller(u1, u2 float64) float64 {
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}
