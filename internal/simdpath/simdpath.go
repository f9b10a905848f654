// Package simdpath lists the code paths a CPU can run — the SIMD path of
// rbmscope's C kernels (RBMSCOPE_SIMD) and the OpenBLAS core
// (OPENBLAS_CORETYPE) — and reruns a package's tests on each of them in
// child processes, so that a machine with AVX-512 also exercises the paths
// an AVX2-only machine takes.
//
// A value of OPENBLAS_CORETYPE that the environment already sets is kept
// for the machine's own path and never exceeded: only lower paths are
// added.
package simdpath

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/tensor"
)

// Path is a forced SIMD path and OpenBLAS core; an empty field leaves the
// machine's own choice.
type Path struct{ SIMD, Core string }

// Native is the machine's own path.
func (p Path) Native() bool { return p == Path{} }

// Env returns the environment variables that force p.
func (p Path) Env() []string {
	var e []string
	if p.SIMD != "" {
		e = append(e, tensor.SIMDEnv+"="+p.SIMD)
	}
	if p.Core != "" {
		e = append(e, "OPENBLAS_CORETYPE="+p.Core)
	}
	return e
}

func (p Path) String() string {
	return fmt.Sprintf("simd=%s,core=%s", orNative(p.SIMD), orNative(p.Core))
}

func orNative(s string) string {
	if s == "" {
		return "native"
	}
	return s
}

// Paths lists the machine's own path first, then the forced ones this CPU
// executes: AVX-512 kernels on OpenBLAS's SkylakeX core, AVX2 kernels on
// its Haswell and Zen cores, and the baseline kernels. Without the C
// kernels (pure-Go build) only the machine's own path exists.
func Paths() []Path {
	ps := []Path{{}}
	if !tensor.HasOpenBLAS {
		return ps
	}
	best := rank[tensor.BestSIMD()]
	coreLimit := best
	if set := os.Getenv("OPENBLAS_CORETYPE"); set != "" {
		coreLimit = min(best, rank[strings.ToLower(set)]) // an unknown name ranks 0: no core forced
	}
	add := func(simd, core string) {
		if rank[simd] <= best && (core == "" || rank[strings.ToLower(core)] <= coreLimit) {
			ps = append(ps, Path{simd, core})
		}
	}
	add(tensor.SIMDAVX512, "SkylakeX")
	add(tensor.SIMDAVX2, "Haswell")
	add(tensor.SIMDAVX2, "Zen")
	add(tensor.SIMDGeneric, "")
	return ps
}

// rank orders SIMD paths and OpenBLAS cores (lower-cased) by the
// instructions they need: 1 SSE, 2 AVX2, 3 AVX-512.
var rank = map[string]int{
	tensor.SIMDGeneric: 1, tensor.SIMDAVX2: 2, tensor.SIMDAVX512: 3,
	"prescott": 1, "nehalem": 1, "sandybridge": 1,
	"haswell": 2, "zen": 2, "skylakex": 3, "cooperlake": 3, "sapphirerapids": 3,
}

// childEnv marks a child process of RunTests.
const childEnv = "RBMSCOPE_SIMDPATH_CHILD"

// IsChild reports whether this process is a child of RunTests.
func IsChild() bool { return os.Getenv(childEnv) != "" }

// RunTests reruns the tests of the calling test binary that match the
// regular expression run, once per forced path (the machine's own path is
// the ordinary run), each in a child process, and fails with the child's
// output if one fails. In a child, and with -short, it does nothing.
func RunTests(t *testing.T, run string) {
	t.Helper()
	if IsChild() {
		t.Skip("child of a forced-path run")
	}
	if testing.Short() {
		t.Skip("forced-path reruns are long; the full (OpenBLAS) pass runs them")
	}
	for _, p := range Paths()[1:] {
		t.Run(p.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run="+run, "-test.count=1")
			cmd.Env = append(append(os.Environ(), childEnv+"=1"), p.Env()...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("tests %q on %s: %v\n%s", run, p, err, out)
			}
			if !strings.Contains(string(out), "PASS") {
				t.Fatalf("tests %q on %s ran nothing:\n%s", run, p, out)
			}
		})
	}
}
