# Consultorio — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
BIN   := bin/consultorio
GO    ?= go

.PHONY: build run test fuzz test-scale test-short stop deps bench clean

build:
	$(GO) build -o $(BIN) ./cmd/consultorio

# Starts the private PostgreSQL (unless DATABASE_URL is set), migrates,
# creates the demo clinic and serves SSH; prints the ssh line to connect.
run: deps build
	$(BIN) migrate
	$(BIN) demo
	$(BIN) serve

# The whole suite against a real PostgreSQL: DATABASE_URL when set, otherwise
# a private cluster made for this run (in /dev/shm when it has room, else under
# data/test; removed afterwards).
test: deps
	scripts/test.sh

# A short fuzz run of every fuzz target (FUZZTIME executions each, default
# 20000x); `test` runs only their seed corpora. CI runs both.
fuzz:
	scripts/fuzz.sh

# The scale-out tests against a three-node Citus cluster made for the run
# (scripts/test-scale.sh; builds Citus once per machine). Not part of `test`.
test-scale: deps
	scripts/test-scale.sh

stop: build
	$(BIN) db stop

# Installs what the machine lacks (PostgreSQL server and contrib, OpenSSH client,
# ssh-audit) and Mailpit (bin/mailpit), the SMTP server of the e-mail tests.
deps:
	@scripts/ensure-deps.sh

# Removes the test cluster too, wherever it lives (see db destroy).
clean:
	if [ -x $(BIN) ] && [ -e data/test ]; then CONSULTORIO_DATA=data/test $(BIN) db destroy --yes; fi
	rm -rf bin data/test
