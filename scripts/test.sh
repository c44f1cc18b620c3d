#!/usr/bin/env bash
# Runs the whole test suite against a real PostgreSQL. Without DATABASE_URL
# it makes one private cluster for this run (the product's own pgcluster
# mechanism, via CONSULTORIO_TEST_DATA) and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

if [ -z "${DATABASE_URL:-}" ]; then
	# The cluster is thrown away after the run (fsync is off in it): it
	# lives in memory, under /dev/shm, when that has room. Every test
	# creates and drops a database of ~300 files and provisions clinics;
	# on tmpfs that file work costs PostgreSQL about a third less (the race
	# run: 116 s against 125-128 s, docs/BENCHMARKS.md). The name is fixed
	# per checkout, so a run that was killed is cleaned up by the next.
	CONSULTORIO_TEST_DATA="$PWD/data/test"
	shm_kib=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }' || true)
	if [ -w /dev/shm ] && [ "${shm_kib:-0}" -gt $((1024 * 1024)) ]; then
		CONSULTORIO_TEST_DATA="/dev/shm/consultorio-test-$(printf %s "$PWD" | sha256sum | cut -c1-12)"
	fi
	export CONSULTORIO_TEST_DATA
	$GO build -o bin/consultorio ./cmd/consultorio
	cleanup() {
		# db destroy stops the cluster and removes it wherever it lives (as
		# root it may be under /var/lib/consultorio, linked from DIR/pg).
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
# run fills. Then, still beside it, the idle-session footprint test: it
# measures memory and goroutines, which the race detector multiplies, so it
# is built only without -race.
# -parallel 4 (GOMAXPROCS, 2 here, is the default) for the same reason, in
# both runs: the per-clinic tests wait on PostgreSQL, a login's key
# exchange or a screen's echo more than they compute, and the tests that
# assert a deadline run alone (no t.Parallel) whatever the setting.
other_out=$(mktemp)
(
	st=0
	if [ -n "$other_pkgs" ]; then
		$GO test -count=1 -timeout 15m -parallel 4 $other_pkgs || st=1
	fi
	$GO test -count=1 -run '^TestIdleSessionFootprint$' ./server || st=1
	exit $st
) >"$other_out" 2>&1 &
other_pid=$!
# The race runtime sleeps a second before each test binary exits, to let
# goroutines still running report a race (atexit_sleep_ms, default 1000):
# with a dozen race packages two at a time, ~5 s of the run (111-116 s
# against 116-122 s, two alternated pairs). The tests have ended by then;
# a goroutine one leaves running is itself a bug, which the leak tests
# look for (TestNoGoroutineLeakAfterDisconnects for the server). GORACE
# from the caller wins.
if [ -n "$race_pkgs" ]; then
	GORACE="${GORACE:-atexit_sleep_ms=0}" $GO test -count=1 -race -timeout 15m -parallel 4 $race_pkgs || status=1
fi
wait "$other_pid" || status=1
cat "$other_out"
rm -f "$other_out"
# A short fuzz run of every fuzz target is `make fuzz` (scripts/fuzz.sh),
# which CI runs after this; their seed corpora (testdata/fuzz) ran above,
# as part of the tests.
exit $status
