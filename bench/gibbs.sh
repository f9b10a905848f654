#!/usr/bin/env bash
# Block-Gibbs sweeps of a 784×500 RBM — the inner loop of PCD-k, AIS and
# every landscape: 500 chains, 100 sweeps v → h → v sampling both layers,
# float32. rbmscope (OpenBLAS and pure Go, bench/gibbssweep) against plain
# NumPy and PyTorch CPU loops (bench/gibbs_python.py, PyTorch at its faster
# thread setting), interleaved in rounds, with medians, sweeps per second
# and ratios. All run the same model and starting states: by default visible
# biases = log-odds of the binarised MNIST pixel means, W ~ N(0, 0.01²),
# chains started from MNIST images (so ~13 % of visible units are on, the
# sparsity rbmscope's v·W kernel exploits); BENCH_MODEL=M.npz (W, a, b, and
# optionally v0) runs a model of your own. Installs what is missing.
#   usage: bench/gibbs.sh [rounds]   (default 3)
# Environment: BENCH_CORETYPE=<OpenBLAS core> forces that OpenBLAS kernel
# (OPENBLAS_CORETYPE itself is always cleared, see below); everything else,
# e.g. RBMSCOPE_SIMD, passes through. The AVX2 path on an AVX-512 machine:
#   BENCH_CORETYPE=Haswell RBMSCOPE_SIMD=avx2 bench/gibbs.sh
# (RBMSCOPE_SIMD=avx2 also keeps NumPy's and PyTorch's own kernels off
# AVX-512, through NPY_DISABLE_CPU_FEATURES and ATEN_CPU_CAPABILITY=avx2,
# unless those are given.)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
K=100
CHAINS=500
./scripts/setup.sh python3-torch
. bench/env.sh
bench_header
echo "$CHAINS chains of a 784×500 RBM, $K block-Gibbs sweeps, $ROUNDS rounds"

TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
go build -tags openblas -o "$TMP/gibbs-openblas" ./bench/gibbssweep
go build -o "$TMP/gibbs-gonum" ./bench/gibbssweep
# The one model and set of starting states that every implementation runs.
"$TMP/gibbs-openblas" -chains "$CHAINS" ${BENCH_MODEL:+-model "$BENCH_MODEL"} -save "$TMP/model.npz"
for r in $(seq "$ROUNDS"); do
  echo "round $r" >&2
  "$TMP/gibbs-openblas" -model "$TMP/model.npz" -chains "$CHAINS" -k "$K" | sed 's/^openblas/rbmscope-openblas/' >> "$TMP/times"
  /usr/bin/python3 bench/gibbs_python.py numpy "$TMP/model.npz" "$K" >> "$TMP/times"
  /usr/bin/python3 bench/gibbs_python.py torch "$TMP/model.npz" "$K" >> "$TMP/times"
  "$TMP/gibbs-gonum" -model "$TMP/model.npz" -chains "$CHAINS" -k "$K" | sed 's/^gonum/rbmscope-gonum/' >> "$TMP/times"
done
/usr/bin/python3 - "$TMP/times" "$K" <<'PY'
import sys, statistics as st
t = {}
for line in open(sys.argv[1]):
    name, sec = line.split()[:2]
    t.setdefault(name, []).append(float(sec))
k = int(sys.argv[2])
med = {n: st.median(v) for n, v in t.items()}
ref = med["rbmscope-openblas"]
print("%-20s %10s %9s %8s %s" % ("implementation", "median s", "sweeps/s", "× ours", "runs (s)"))
for n in sorted(med, key=med.get):
    print("%-20s %10.3f %9.1f %8.2f %s" % (n, med[n], k / med[n], med[n] / ref, " ".join("%.3f" % x for x in t[n])))
PY
