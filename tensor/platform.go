package tensor

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// SIMD paths of the C kernels (OpenBLAS build). The pure-Go kernels have
// one path, SIMDGo.
const (
	SIMDGeneric = "generic"
	SIMDAVX2    = "avx2"
	SIMDAVX512  = "avx512"
	SIMDGo      = "go"
)

var simdNames = [...]string{SIMDGeneric, SIMDAVX2, SIMDAVX512}

// SIMDEnv is the environment variable that forces the C kernels onto a
// lower SIMD path than the best the CPU executes: avx512, avx2 or generic.
// It is read once, when the first kernel runs.
const SIMDEnv = "RBMSCOPE_SIMD"

// CheckSIMDRequest reports a value of RBMSCOPE_SIMD that names no path, or
// a path this CPU cannot execute. Commands call it at start-up so that a
// bad request is an error, not a silent fallback to the best path.
func CheckSIMDRequest() error {
	req := os.Getenv(SIMDEnv)
	if req == "" {
		return nil
	}
	want := slices.Index(simdNames[:], req)
	if want < 0 {
		return fmt.Errorf("%s=%q names no SIMD path: use avx512, avx2 or generic, or unset it", SIMDEnv, req)
	}
	if cpu := cpuBestSIMD(); cpu != "" && want > slices.Index(simdNames[:], cpu) {
		return fmt.Errorf("%s=%s: this CPU's best path is %s; ask for that or a lower one", SIMDEnv, req, cpu)
	}
	return nil
}

// Platform records what decides the bits rbmscope computes: the same
// backend, SIMD path, OpenBLAS build and core, and Go version give the same
// bits for the same seed and flags, for any GOMAXPROCS (every parallel
// split is fixed by the shapes alone). GOMAXPROCS and the CPU model are
// recorded for the reader, not because they change results.
type Platform struct {
	Backend        string `json:"backend"`
	SIMD           string `json:"simd"`
	OpenBLASConfig string `json:"openblas_config,omitempty"`
	OpenBLASCore   string `json:"openblas_core,omitempty"`
	GoVersion      string `json:"go_version"`
	GOMAXPROCS     int    `json:"gomaxprocs"`
	CPU            string `json:"cpu,omitempty"`
}

// CurrentPlatform describes this process running backend be.
func CurrentPlatform(be Backend) Platform {
	p := Platform{Backend: be.Name(), SIMD: SIMDGo, GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), CPU: cpuModel()}
	if be.Name() == "openblas" {
		p.SIMD = simdPath()
		p.OpenBLASConfig, p.OpenBLASCore = openBLASInfo()
	}
	return p
}

// BitsDiffer lists the fields of p and q that may change the bits of a
// computation, as "name: p → q"; empty when none differ.
func (p Platform) BitsDiffer(q Platform) []string {
	var d []string
	add := func(name, a, b string) {
		if a != b {
			d = append(d, fmt.Sprintf("%s %s → %s", name, orNone(a), orNone(b)))
		}
	}
	add("backend", p.Backend, q.Backend)
	add("SIMD path", p.SIMD, q.SIMD)
	add("OpenBLAS", p.OpenBLASConfig, q.OpenBLASConfig)
	add("OpenBLAS core", p.OpenBLASCore, q.OpenBLASCore)
	add("Go", p.GoVersion, q.GoVersion)
	return d
}

func orNone(s string) string {
	if s == "" {
		return "(unrecorded)"
	}
	return s
}

// cpuModel is the first "model name" of /proc/cpuinfo, or "", read once.
var cpuModel = sync.OnceValue(readCPUModel)

func readCPUModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// BestSIMD is the highest SIMD path of the C kernels this CPU executes
// (avx512, avx2 or generic), or "go" when they are not compiled in.
func BestSIMD() string {
	if b := cpuBestSIMD(); b != "" {
		return b
	}
	return SIMDGo
}

// SIMDPath is the SIMD path the C kernels run in this process ("go" when
// they are not compiled in).
func SIMDPath() string { return simdPath() }
