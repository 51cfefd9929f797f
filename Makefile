# DossierLedger: `make test` and `make demo` do all the set-up on a fresh Debian machine with Swift.
SWIFT ?= swift
DEMO_STORE ?= $(CURDIR)/.build/demo-store

.PHONY: deps build test demo bench clean-demo

# liblmdb-dev (the LMDB C library and its pkg-config file) from Debian when it is missing.
deps:
	@pkg-config --exists lmdb || { \
		echo "installing liblmdb-dev"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq liblmdb-dev >/dev/null; }

build: deps
	$(SWIFT) build

test: deps
	$(SWIFT) test

# Until the dossier domain lands, the demo appends a realistic-size log and reads it back.
demo: deps
	$(SWIFT) build -c release --product ledger-bench
	rm -rf $(DEMO_STORE)
	.build/release/ledger-bench demo --store $(DEMO_STORE)

# The store's benchmark (figures in README.md). BENCH_ARGS="--events 10000000" for the full run.
bench: deps
	$(SWIFT) build -c release --product ledger-bench
	.build/release/ledger-bench all $(BENCH_ARGS)
