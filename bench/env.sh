# Sourced by the bench/*.sh scripts: chooses the OpenBLAS core and the SIMD
# path every implementation of a benchmark runs, and prints them.
#
# OpenBLAS reads OPENBLAS_CORETYPE when it loads. Some machines pin it to an
# older (half-speed) kernel for safety; a benchmark clears it inside its
# own process only, and lets idle BLAS threads sleep at once instead of
# spinning beside our goroutines. BENCH_CORETYPE=<core> forces a core
# instead. OpenBLAS 0.3.21 (Debian 12) does not know newer CPU models (e.g.
# Intel family 6 model 207) and then falls back to its SSE3 "Prescott"
# kernel, ~8× slower: the script then picks what OpenBLAS picks on a known
# CPU with the same features, and says so.
#
# The AVX2 path on an AVX-512 machine: BENCH_CORETYPE=Haswell
# RBMSCOPE_SIMD=avx2 — which also keeps NumPy's and PyTorch's own kernels
# off AVX-512 (NPY_DISABLE_CPU_FEATURES, ATEN_CPU_CAPABILITY=avx2) unless
# those are given.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
export OPENBLAS_THREAD_TIMEOUT=4

# corenames prints the kernel each OpenBLAS library picks in this
# environment: libopenblas.so.0 (rbmscope's cgo link; PyTorch loads the same
# file) and the libblas.so.3 NumPy loads.
corenames() {
  /usr/bin/python3 - <<'PY'
import ctypes, numpy
def core(path):
    try:
        f = ctypes.CDLL(path).openblas_get_corename
    except (OSError, AttributeError):
        return "not OpenBLAS"
    f.restype = ctypes.c_char_p
    return f().decode()
blas = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.split()[-1]})
print("libopenblas.so.0 (rbmscope, PyTorch): %s; NumPy's %s: %s"
      % (core("libopenblas.so.0"), blas[0] if blas else "BLAS", core(blas[0]) if blas else "?"))
PY
}
FLAGS=$(grep -m1 '^flags' /proc/cpuinfo)
has() { [[ " $FLAGS " == *" $1 "* ]]; }
if [ -n "${BENCH_CORETYPE:-}" ]; then
  export OPENBLAS_CORETYPE=$BENCH_CORETYPE
elif [[ $(corenames) == *Prescott* ]] && has avx2; then
  # OpenBLAS 0.3.21 (Debian 12) does not know newer CPU models (e.g. Intel
  # family 6 model 207) and falls back to its SSE3 "Prescott" kernel, ~8×
  # slower here. Pick what it picks for a known CPU with the same features.
  if has avx512_bf16; then OPENBLAS_CORETYPE=Cooperlake
  elif has avx512f; then OPENBLAS_CORETYPE=SkylakeX
  else OPENBLAS_CORETYPE=Haswell; fi
  export OPENBLAS_CORETYPE
  echo "note: OpenBLAS does not recognise this CPU (it fell back to Prescott); using OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE" >&2
fi

if [ "${RBMSCOPE_SIMD:-}" = avx2 ]; then
  export NPY_DISABLE_CPU_FEATURES=${NPY_DISABLE_CPU_FEATURES-AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL}
  export ATEN_CPU_CAPABILITY=${ATEN_CPU_CAPABILITY-avx2}
fi


bench_header() {
  echo "CPU: $(lscpu | sed -n 's/^Model name: *//p') (family $(sed -n 's/^cpu family\t*: //p' /proc/cpuinfo | head -1) model $(sed -n 's/^model\t*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs;$(for f in avx512f avx2; do has $f && printf ' %s' $f; done))"
  echo "OpenBLAS core: $(corenames)"
  echo "environment: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-(unset)} RBMSCOPE_SIMD=${RBMSCOPE_SIMD-(unset)} GOMAXPROCS=${GOMAXPROCS-(unset)}${NPY_DISABLE_CPU_FEATURES:+ NPY_DISABLE_CPU_FEATURES=\"$NPY_DISABLE_CPU_FEATURES\"}${ATEN_CPU_CAPABILITY:+ ATEN_CPU_CAPABILITY=$ATEN_CPU_CAPABILITY}"
}
