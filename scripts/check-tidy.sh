#!/usr/bin/env bash
# Fails when `go mod tidy` or `gofmt` would change anything: go.mod/go.sum
# must be tidy and every .go file outside testdata/ gofmt-formatted.
# scripts/test.sh runs it right after go vet; it changes no file.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

if go help mod tidy | grep -q -- '-diff'; then
  # go mod tidy -diff (Go ≥ 1.23) prints the diff and exits 1 when untidy.
  if ! out="$(go mod tidy -diff 2>&1)"; then
    echo "check-tidy: go.mod/go.sum are not tidy; run go mod tidy:" >&2
    echo "$out" >&2
    status=1
  fi
else
  # An older go: tidy a copy of the module files and compare.
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/rbmscope-tidy.XXXXXX")"
  cp go.mod go.sum "$tmp/"
  go mod tidy
  if ! cmp -s go.mod "$tmp/go.mod" || ! cmp -s go.sum "$tmp/go.sum"; then
    echo "check-tidy: go.mod/go.sum are not tidy; run go mod tidy:" >&2
    diff -u "$tmp/go.mod" go.mod >&2
    diff -u "$tmp/go.sum" go.sum >&2
    status=1
  fi
  cp "$tmp/go.mod" "$tmp/go.sum" .
  rm -rf "$tmp"
fi

unformatted="$(find . -name '*.go' -not -path '*/testdata/*' -not -path './.git/*' -print0 |
  xargs -0 gofmt -l)"
if [[ -n $unformatted ]]; then
  echo "check-tidy: gofmt would change these files; run gofmt -w:" >&2
  echo "$unformatted" >&2
  status=1
fi
exit "$status"
