#!/usr/bin/env bash
# The test suite: vet, then every package with the pure-Go backend and
# again with OpenBLAS, the race detector and the fuzz targets. Run
# scripts/setup.sh first (make test does).
#
# Every step runs even when an earlier one fails. The go test passes run
# with -json: the raw streams are kept in a temporary directory (its path
# is printed; TESTSUMMARY_KEEP=1 keeps it) and shown as plain go test
# output by internal/testsummary as they arrive. The output ends with the
# skipped tests and their reasons, the failures and, as its very last line,
#   summary: N passed, N failed, N skipped
# The exit status is non-zero when go vet, scripts/check-tidy.sh (go mod
# tidy or gofmt would change a file), a go test pass, the race detector or
# the fuzzing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/rbmscope-test.XXXXXX")"
slurm=no
stop_slurm() {
  if [[ $slurm == yes ]]; then ./scripts/slurm-local.sh stop >&2 || true; slurm=no; fi
}
cleanup() {
  stop_slurm
  if [[ "${TESTSUMMARY_KEEP:-0}" != 1 ]]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
echo "test: go test -json streams in $tmp" >&2

ts="$tmp/testsummary"
if ! go build -o "$ts" ./internal/testsummary; then
  echo "test: cannot build internal/testsummary" >&2
  echo "summary: 0 passed, 1 failed, 0 skipped"
  exit 1
fi

echo "== go vet" >&2
go vet ./... && go vet -tags openblas ./...
vet=$?

echo "== go mod tidy and gofmt" >&2
./scripts/check-tidy.sh
tidy=$?

# A real single-node Slurm for the sweep tests (needs root; they skip
# without it, saying so).
if [ "$(id -u)" = 0 ] && ./scripts/slurm-local.sh start; then
  slurm=yes
  export RBMSCOPE_SLURM=1
else
  echo "test: no local Slurm (needs root); the Slurm integration tests will skip" >&2
fi

# gotest LABEL FILE ARGS...: one go test -json pass, streamed as plain
# output; its exit status is go test's (pipefail), not the printer's.
gotest() {
  local label=$1 file=$2
  shift 2
  go test -json "$@" | tee "$file" | "$ts" print -label "$label"
}

# Unit tests run with both backends; the long integration tests (real MNIST
# training, AIS against exact enumeration, Slurm, Chromium) run once, with
# OpenBLAS, and are skipped by -short in the pure-Go pass.
echo "== tests, pure-Go backend (-short)" >&2
gotest pure-Go "$tmp/pure-go.json" -count=1 -short -timeout 20m ./...
pure=$?

echo "== tests, OpenBLAS backend" >&2
gotest OpenBLAS "$tmp/openblas.json" -count=1 -timeout 30m -tags openblas ./...
obl=$?

echo "== race detector" >&2
./scripts/race.sh
race=$?

echo "== fuzzing (fixed execution budgets, ≈ 20 s per target)" >&2
./scripts/fuzz.sh
fuzz=$?

stop_slurm # now, so that nothing prints after the summary line

"$ts" summary -step "go vet=$vet" -step "tidy and gofmt=$tidy" -step "race detector=$race" -step "fuzzing=$fuzz" \
  "pure-Go (-short)=$pure=$tmp/pure-go.json" "OpenBLAS=$obl=$tmp/openblas.json"
status=$?
if (( status == 0 && (vet | tidy | pure | obl | race | fuzz) != 0 )); then
  status=1
fi
exit "$status"
