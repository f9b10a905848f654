#!/usr/bin/env bash
# Fuzz the file readers and the sweep plan parser, each for FUZZTIME
# (default 20s). Inputs that crash are written by Go to
# <pkg>/testdata/fuzz/<FuzzName>/ and stay there as regression tests
# (plain `go test` reruns them); commit them with the fix.
#
#   scripts/fuzz.sh                 # every target, 20 s each
#   FUZZTIME=2m scripts/fuzz.sh     # longer
#   scripts/fuzz.sh FuzzLoadNPZ     # one target
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
FUZZTIME="${FUZZTIME:-20s}"
# Minimising each new interesting input may take up to a minute by
# default, which would eat a short run; crashers are saved either way.
FUZZMINIMIZETIME="${FUZZMINIMIZETIME:-5s}"

targets=(
  "./dataset FuzzReadIDX"
  "./rbm FuzzLoadNPZ"
  "./sweep FuzzPlanSpec"
)
only="${1:-}"
for t in "${targets[@]}"; do
  pkg="${t% *}" name="${t#* }"
  if [[ -n "$only" && "$only" != "$name" ]]; then
    continue
  fi
  if ! grep -qs "^func $name(" "$pkg"/*_test.go; then
    echo "== skip $name: not defined in $pkg" >&2
    continue
  fi
  echo "== go test -run '^\$' -fuzz '^$name\$' -fuzztime $FUZZTIME -fuzzminimizetime $FUZZMINIMIZETIME $pkg" >&2
  start=$SECONDS
  go test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMINIMIZETIME" "$pkg"
  echo "== $name: ok ($((SECONDS - start)) s)" >&2
done
