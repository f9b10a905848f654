#!/usr/bin/env bash
# Fuzz the file readers and the sweep plan parser, each for a fixed number
# of executions sized to about 20 s here. Inputs that crash are written by
# Go to <pkg>/testdata/fuzz/<FuzzName>/ and stay there as regression tests
# (plain `go test` reruns them); commit them with the fix.
#
# Budgets are execution counts ("Nx"), not durations: with a duration, Go
# 1.26's fuzz coordinator can report a spurious "context deadline
# exceeded" failure when the time runs out while a worker is busy
# (golang/go#75804, fixed in Go 1.27); this happened here once.
#
#   scripts/fuzz.sh                 # every target, ≈ 20 s each
#   FUZZTIME=2m scripts/fuzz.sh     # a duration (or a count) for every target
#   scripts/fuzz.sh FuzzLoadNPZ     # one target
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
# Minimising each new interesting input may take up to a minute by
# default, which would eat a short run; crashers are saved either way.
FUZZMINIMIZETIME="${FUZZMINIMIZETIME:-2000x}"

# package, target, executions (≈ 20 s each on 2 cores)
targets=(
  "./dataset FuzzReadIDX 300000x"
  "./rbm FuzzLoadNPZ 100000x"
  "./sweep FuzzPlanSpec 100000x"
)
only="${1:-}"
for t in "${targets[@]}"; do
  read -r pkg name budget <<<"$t"
  budget="${FUZZTIME:-$budget}"
  if [[ -n "$only" && "$only" != "$name" ]]; then
    continue
  fi
  if ! grep -qs "^func $name(" "$pkg"/*_test.go; then
    echo "== skip $name: not defined in $pkg" >&2
    continue
  fi
  echo "== go test -run '^\$' -fuzz '^$name\$' -fuzztime $budget -fuzzminimizetime $FUZZMINIMIZETIME $pkg" >&2
  start=$SECONDS
  go test -run '^$' -fuzz "^$name\$" -fuzztime "$budget" -fuzzminimizetime "$FUZZMINIMIZETIME" "$pkg"
  echo "== $name: ok ($((SECONDS - start)) s)" >&2
done
