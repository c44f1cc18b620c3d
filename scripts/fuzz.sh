#!/usr/bin/env bash
# A short fuzz run of every fuzz target (`make fuzz`; CI runs it after
# `make test`, which already ran their seed corpora in testdata/fuzz as
# part of the tests). Needs no database.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
status=0
# The budget is a number of executions, not a duration: with a duration Go's
# fuzz coordinator can report "context deadline exceeded" as a failure when a
# starved worker is mid-call as the time runs out (golang/go#51484; it failed
# CI here on FuzzClampWindow with no failing input written). A count has no
# deadline to race.
# The targets are found in the sources: `go test -list` would build every
# package's test binary only to name them (31 s with a warm cache).
targets=$(grep -rE --include='*_test.go' --exclude-dir=data --exclude-dir=bin --exclude-dir=.git \
	'^func Fuzz[A-Za-z0-9_]*\(' . | sed -E 's#^\./(.*)/[^/]*:func (Fuzz[A-Za-z0-9_]*)\(.*#\1 \2#' | sort -u || true)
if [ -z "$targets" ]; then
	echo "fuzz.sh: no fuzz targets found in the sources" >&2
	status=1
fi
while read -r dir f; do
	[ -n "$f" ] || continue
	$GO test -run '^$' -fuzz "^${f}\$" -fuzztime "${FUZZTIME:-20000x}" "./$dir" || status=1
done <<<"$targets"
exit $status
