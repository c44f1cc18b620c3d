#!/usr/bin/env bash
# Runs the whole test suite against a real PostgreSQL. Without DATABASE_URL
# it makes one private cluster for this run (the product's own pgcluster
# mechanism, via CONSULTORIO_TEST_DATA) and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

if [ -z "${DATABASE_URL:-}" ]; then
	export CONSULTORIO_TEST_DATA="$PWD/data/test"
	$GO build -o bin/consultorio ./cmd/consultorio
	cleanup() {
		# db destroy stops the cluster and removes it wherever it lives (as
		# root it may be under /var/lib/consultorio, linked from data/test/pg).
		if [ -d "$CONSULTORIO_TEST_DATA" ] || [ -L "$CONSULTORIO_TEST_DATA/pg" ]; then
			CONSULTORIO_DATA="$CONSULTORIO_TEST_DATA" bin/consultorio db destroy --yes >/dev/null
		fi
		rm -rf "$CONSULTORIO_TEST_DATA"
	}
	trap cleanup EXIT
	cleanup
fi

# Packages whose code runs goroutines are tested with the race detector.
race_pkgs=$($GO list ./server/... ./store/... ./pgcluster/... ./tui/... ./mail/... 2>/dev/null || true)
other_pkgs=$($GO list ./... | grep -vxF -f <(printf '%s\n' $race_pkgs) || true)

status=0
# The packages without the race detector run beside the race run, their
# output kept until it ends: cmd/consultorio, the longest of them, spends
# much of its time waiting on PostgreSQL (fsync on private clusters,
# backups, WAL archiving, sleeps for point-in-time targets), time the race
# run fills. -parallel 4 for the same reason: GOMAXPROCS (2 here) would keep
# two of its t.Parallel tests at a time.
other_out=$(mktemp)
other_pid=
if [ -n "$other_pkgs" ]; then
	$GO test -count=1 -timeout 15m -parallel 4 $other_pkgs >"$other_out" 2>&1 &
	other_pid=$!
fi
if [ -n "$race_pkgs" ]; then
	$GO test -count=1 -race -timeout 15m $race_pkgs || status=1
fi
if [ -n "$other_pid" ]; then
	wait "$other_pid" || status=1
fi
cat "$other_out"
rm -f "$other_out"
# The idle-session footprint test measures memory and goroutines, which the
# race detector multiplies: it is built only without -race, so it runs here.
$GO test -count=1 -run '^TestIdleSessionFootprint$' ./server || status=1
# A short fuzz run of every fuzz test (their seed corpora in testdata/fuzz
# already ran above, as part of the tests). The budget is a number of
# executions, not a duration: with a duration Go's fuzz coordinator can report
# "context deadline exceeded" as a failure when a starved worker is mid-call as
# the time runs out (golang/go#51484; it failed CI here on FuzzClampWindow with
# no failing input written). A count has no deadline to race.
# The targets are found in the sources: `go test -list` would build every
# package's test binary only to name them (31 s with a warm cache).
targets=$(grep -rE --include='*_test.go' --exclude-dir=data --exclude-dir=bin --exclude-dir=.git \
	'^func Fuzz[A-Za-z0-9_]*\(' . | sed -E 's#^\./(.*)/[^/]*:func (Fuzz[A-Za-z0-9_]*)\(.*#\1 \2#' | sort -u || true)
if [ -z "$targets" ]; then
	echo "test.sh: no fuzz targets found in the sources" >&2
	status=1
fi
while read -r dir f; do
	[ -n "$f" ] || continue
	$GO test -run '^$' -fuzz "^${f}\$" -fuzztime "${FUZZTIME:-20000x}" "./$dir" || status=1
done <<<"$targets"
exit $status
