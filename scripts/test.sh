#!/usr/bin/env bash
# The test suite: vet, then every package with the pure-Go backend and
# again with OpenBLAS. Run scripts/setup.sh first (make test does).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

echo "== go vet" >&2
go vet ./... && go vet -tags openblas ./...

echo "== tests, pure-Go backend" >&2
go test -count=1 -timeout 20m ./...

echo "== tests, OpenBLAS backend" >&2
go test -count=1 -timeout 20m -tags openblas ./...
