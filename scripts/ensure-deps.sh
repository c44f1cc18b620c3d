#!/usr/bin/env bash
# Installs what Consultorio needs from the system when it is missing:
# PostgreSQL server binaries with contrib (btree_gist, pg_trgm, citext,
# unaccent), the OpenSSH client used by the end-to-end tests, ssh-audit,
# which a test runs against the server's algorithm offer, poppler-utils,
# whose pdftotext/pdfinfo the printout tests open the PDFs with, and Mailpit,
# the SMTP server the e-mail tests send to (a Go program, built into bin/).
set -euo pipefail

# Mailpit v1.33.1 into bin/ (the mail tests look for bin/mailpit); go
# install of a versioned package leaves go.mod alone.
cd "$(dirname "$0")/.."
mailpit_version=v1.33.1
if ! bin/mailpit version --no-release-check 2>/dev/null | grep -q " ${mailpit_version} compiled "; then
	echo "installing: mailpit ${mailpit_version} into bin/" >&2
	GOBIN="$PWD/bin" ${GO:-go} install -ldflags "-X github.com/axllent/mailpit/config.Version=${mailpit_version}" \
		"github.com/axllent/mailpit@${mailpit_version}"
fi

have_pg() {
	local bindir
	bindir=$(pg_config --bindir 2>/dev/null || true)
	[ -x "$bindir/initdb" ] && return 0
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}
have_contrib() {
	compgen -G '/usr/share/postgresql/*/extension/btree_gist.control' >/dev/null
}

missing=()
have_pg || missing+=(postgresql)
have_contrib || missing+=(postgresql-contrib)
command -v ssh >/dev/null || missing+=(openssh-client)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v ssh-audit >/dev/null || missing+=(ssh-audit)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
command -v pdfinfo >/dev/null || missing+=(poppler-utils)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "missing packages: ${missing[*]}; install them (e.g. sudo apt-get install -y ${missing[*]})" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null; then
	echo "missing packages: ${missing[*]}; this script installs them with apt-get only" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
