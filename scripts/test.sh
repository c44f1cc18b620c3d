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
if [ -n "$other_pkgs" ]; then
	# -parallel 4: cmd/consultorio's tests (t.Parallel) spend much of their
	# time waiting on PostgreSQL (fsync on their private clusters, backups,
	# WAL archiving, sleeps for point-in-time targets), not on this
	# process's CPU; GOMAXPROCS (2 here) would keep two at a time.
	$GO test -count=1 -timeout 15m -parallel 4 $other_pkgs || status=1
fi
if [ -n "$race_pkgs" ]; then
	$GO test -count=1 -race -timeout 15m $race_pkgs || status=1
fi
# The idle-session footprint test measures memory and goroutines, which the
# race detector multiplies: it is built only without -race, so it runs here.
$GO test -count=1 -run '^TestIdleSessionFootprint$' ./server || status=1
# A short fuzz run of every fuzz test (their seed corpora in testdata/fuzz
# already ran above, as part of the tests). The budget is a number of
# executions, not a duration: with a duration Go's fuzz coordinator can report
# "context deadline exceeded" as a failure when a starved worker is mid-call as
# the time runs out (golang/go#51484; it failed CI here on FuzzClampWindow with
# no failing input written). A count has no deadline to race.
for pkg in $($GO list ./...); do
	for f in $($GO test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		$GO test -run '^$' -fuzz "^${f}\$" -fuzztime "${FUZZTIME:-20000x}" "$pkg" || status=1
	done
done
exit $status
