#!/usr/bin/env bash
# The test suite: vet, then every package with the pure-Go backend and
# again with OpenBLAS. Run scripts/setup.sh first (make test does).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

echo "== go vet" >&2
go vet ./... && go vet -tags openblas ./...

# A real single-node Slurm for the sweep tests (needs root; they skip
# without it, saying so).
if [ "$(id -u)" = 0 ] && ./scripts/slurm-local.sh start; then
  export RBMSCOPE_SLURM=1
  trap './scripts/slurm-local.sh stop || true' EXIT
else
  echo "test: no local Slurm (needs root); the Slurm integration tests will skip" >&2
fi

# Unit tests run with both backends; the long integration tests (real MNIST
# training, AIS against exact enumeration, Slurm, Chromium) run once, with
# OpenBLAS, and are skipped by -short in the pure-Go pass.
echo "== tests, pure-Go backend (-short)" >&2
go test -count=1 -short -timeout 20m ./...

echo "== tests, OpenBLAS backend" >&2
go test -count=1 -timeout 30m -tags openblas ./...

echo "== race detector" >&2
./scripts/race.sh

echo "== fuzzing (fixed execution budgets, ≈ 20 s per target)" >&2
./scripts/fuzz.sh
