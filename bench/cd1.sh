#!/usr/bin/env bash
# One CD-1 epoch of a 784×500 RBM (batch 100, 60000 binarised MNIST images,
# float32): rbmscope (OpenBLAS and pure Go), scikit-learn BernoulliRBM,
# PyTorch CPU (its faster thread setting) and a NumPy loop, interleaved in
# rounds, with medians and ratios. Installs what is missing.
#   usage: bench/cd1.sh [rounds]   (default 3)
# The OpenBLAS core and SIMD path: see bench/env.sh (BENCH_CORETYPE=Haswell
# RBMSCOPE_SIMD=avx2 measures the AVX2 path on an AVX-512 machine).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
./scripts/setup.sh python3-sklearn python3-torch
. bench/env.sh
bench_header
MNIST=$(go run ./bench/mnistdir)
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
go build -tags openblas -o "$TMP/cd1-openblas" ./bench/cd1epoch
go build -o "$TMP/cd1-gonum" ./bench/cd1epoch
for r in $(seq "$ROUNDS"); do
  echo "round $r" >&2
  "$TMP/cd1-openblas" | sed 's/^openblas/rbmscope-openblas/' >> "$TMP/times"
  /usr/bin/python3 bench/cd1_python.py sklearn "$MNIST" >> "$TMP/times"
  /usr/bin/python3 bench/cd1_python.py torch "$MNIST" >> "$TMP/times"
  /usr/bin/python3 bench/cd1_python.py numpy "$MNIST" >> "$TMP/times"
done
"$TMP/cd1-gonum" | sed 's/^gonum/rbmscope-gonum/' >> "$TMP/times"
/usr/bin/python3 - "$TMP/times" <<'PY'
import sys, statistics as st
t = {}
for line in open(sys.argv[1]):
    name, sec = line.split()[:2]
    t.setdefault(name, []).append(float(sec))
med = {k: st.median(v) for k, v in t.items()}
ref = med["rbmscope-openblas"]
print("%-20s %10s %8s %s" % ("implementation", "median s", "× ours", "runs"))
for k in sorted(med, key=med.get):
    print("%-20s %10.3f %8.2f %s" % (k, med[k], med[k] / ref, " ".join("%.3f" % x for x in t[k])))
PY
