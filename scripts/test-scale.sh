#!/usr/bin/env bash
# The scale-out tests (./scale, build tag "scale") against a Citus cluster of
# three nodes made for this run under data/citus and removed afterwards.
# Citus is built and installed once per machine by `citus-cluster install`
# (shared/citus, next to the checkout), which this runs when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

cluster=${CITUS_CLUSTER:-}
if [ -z "$cluster" ]; then
	for c in ../shared/citus/citus-cluster ../../shared/citus/citus-cluster; do
		if [ -x "$c" ]; then cluster=$c; break; fi
	done
fi
if [ -z "$cluster" ]; then
	echo "test-scale: citus-cluster not found (shared/citus next to the checkout, or set CITUS_CLUSTER)" >&2
	exit 1
fi

# PgBouncer and HAProxy (Debian packages) for the pooler's and the load
# balancer's tests. Only the programs are used: the tests start their own
# instances with their own configuration (the packages' services are not
# needed).
for prog in pgbouncer haproxy; do
	if ! command -v $prog >/dev/null && [ -x /usr/sbin/$prog ]; then PATH=$PATH:/usr/sbin; fi
	if ! command -v $prog >/dev/null; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q $prog >/dev/null
			PATH=$PATH:/usr/sbin
		else
			echo "test-scale: $prog is missing (apt-get install $prog)" >&2
			exit 1
		fi
	fi
done

# Builds Citus the first time (several minutes); "already installed" after.
"$cluster" install

dir="$PWD/data/citus"
port=${CITUS_PORT:-9700}
cleanup() {
	"$cluster" stop "$dir" || true
	rm -rf "$dir"
}
trap cleanup EXIT
cleanup
url=$("$cluster" start "$dir" "$port" | tail -1)
echo "test-scale: Citus coordinator at $url"

export CONSULTORIO_CITUS_URL="$url"
$GO test -tags scale -count=1 -race -timeout 20m ./scale/ "$@"
