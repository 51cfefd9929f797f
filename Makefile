# DossierLedger: `make test` and `make demo` do all the set-up on a fresh Debian machine with Swift.
SWIFT ?= swift
DEMO_DIR ?= $(CURDIR)/.build/demo
DEMO_DOSSIERS ?= 200000
DOSSIER = DOSSIER_STORE=$(DEMO_DIR)/store .build/release/dossier

.PHONY: deps test-deps go-deps pg-deps venv-deps api-deps browser-deps build test demo dashboard bench install

# liblmdb-dev (the LMDB C library and its pkg-config file) from Debian when it is missing.
deps:
	@pkg-config --exists lmdb || { \
		echo "installing liblmdb-dev"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq liblmdb-dev >/dev/null; }

# LibreOffice (headless) for the tests that open the workbooks we write; openssl, whose s_client
# checks the service's HTTPS.
test-deps: deps go-deps pg-deps api-deps browser-deps
	@[ -x /usr/bin/openssl ] || { \
		echo "installing openssl (the service's HTTPS test)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq openssl >/dev/null; }
	@command -v soffice >/dev/null || { \
		echo "installing libreoffice-calc-nogui (the workbook tests open what we write)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libreoffice-calc-nogui >/dev/null; }

# python3-venv, for the test tools that come from PyPI, each in a virtual environment of its own.
venv-deps:
	@python3 -c 'import ensurepip' 2>/dev/null || { echo "installing python3-venv"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq python3-venv >/dev/null; }

# schemathesis (PyPI): the check of the service's OpenAPI document.
api-deps: venv-deps
	@[ -x .build/schemathesis/bin/st ] || { echo "installing schemathesis into .build/schemathesis (the OpenAPI check)"; \
		python3 -m venv .build/schemathesis && .build/schemathesis/bin/pip install -q schemathesis==4.32.5; }

# Debian's Chromium and Playwright (PyPI) that drives it: the dashboard's tests run a real browser
# against a real server.
browser-deps: venv-deps
	@[ -x /usr/bin/chromium ] || { echo "installing chromium (the dashboard's browser tests)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@.build/browser/bin/python -c 'import playwright' 2>/dev/null || { echo "installing playwright into .build/browser (drives chromium in the dashboard's tests)"; \
		python3 -m venv .build/browser && .build/browser/bin/pip install -q playwright==1.65.3; }

# Go and the Go checksum database's packages: tools/verifier checks our proofs with them.
go-deps:
	@[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb ] && command -v go >/dev/null || { \
		echo "installing golang-go and golang-golang-x-mod-dev (tools/verifier checks our proofs with the Go checksum database's code)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq golang-go golang-golang-x-mod-dev >/dev/null; }

# PostgreSQL's server programs (initdb, pg_ctl): the tests start throwaway clusters of their own
# in temporary directories, on loopback ports, as an unprivileged user.
pg-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "installing postgresql (the PostgreSQL backend's tests start clusters of their own)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql >/dev/null; }

# tools/verifier, built in GOPATH mode over Debian's Go packages (no network).
.build/verifier: go-deps tools/verifier/main.go
	mkdir -p .build/gocache
	cd tools/verifier && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$(CURDIR)/.build/gocache go build -o ../../.build/verifier .

build: deps
	$(SWIFT) build

test: test-deps
	$(SWIFT) test

# The demo province: about 200,000 dossiers over 2024–2026 (0.5% with a correction), imported,
# swept, rebuilt, then an inspector's day: one commune's late list and due-soon list, quarterly
# on-time rates by unit with the 766 score, the accountability top ten, two case histories (the
# dossier that finished latest; one with a voided event), the quarter's periodic report as a
# workbook, and a verification of the whole log.
demo: deps .build/verifier
	$(SWIFT) build -c release --product dossier
	$(SWIFT) build -c release --product province-generator
	rm -rf $(DEMO_DIR)
	@echo "== generating the demo province ($(DEMO_DOSSIERS) dossiers)"
	.build/release/province-generator --dossiers $(DEMO_DOSSIERS) --out $(DEMO_DIR)/province
	@echo "== dossier init, import, sweep, rebuild"
	$(DOSSIER) init --procedures $(DEMO_DIR)/province/procedures.json --units $(DEMO_DIR)/province/units.json \
		--officers $(DEMO_DIR)/province/officers.json --origin demo.h19.gov.vn/dossierledger
	$(DOSSIER) import $(DEMO_DIR)/province/events.jsonl
	$(DOSSIER) sweep --as-of 2026-11-27T17:00:00+07:00
	$(DOSSIER) rebuild
	@echo "== the late list of commune H19.X07"
	$(DOSSIER) late --unit H19.X07
	@echo "== due soon in commune H19.X07 on the morning of 2026-11-27: act before they are late"
	$(DOSSIER) due-soon --unit H19.X07 --as-of 2026-11-27T07:30:00+07:00
	@echo "== on-time rates of 2026-Q3 by unit, with the 766 score"
	$(DOSSIER) rates --period 2026-Q3 --by unit
	@echo "== accountability 2026-Q3: the top ten"
	$(DOSSIER) accountability --period 2026-Q3 --top 10
	@echo "== the case history of the dossier that finished latest"
	$(DOSSIER) history $$($(DOSSIER) late --include-finished --format csv | sed -n 2p | cut -d, -f1)
	@echo "== a case history with a correction: a processed recorded by mistake, voided"
	$(DOSSIER) history $$(grep -m1 '"reason":"Ghi nhầm kết quả' $(DEMO_DIR)/province/events.jsonl | sed 's/.*"dossier":"\([^"]*\)".*/\1/')
	@echo "== the quarter's periodic report, as a workbook"
	$(DOSSIER) report --period 2026-Q3 --lang vi --format xlsx --output $(DEMO_DIR)/bao-cao-2026-Q3.xlsx
	@echo "== verify"
	$(DOSSIER) verify
	@echo "== a proof bundle of the latest-finished late dossier, for a discipline board, checked offline by us and by Go's tlog"
	$(DOSSIER) checkpoint --new-key $(DEMO_DIR)/office.key --key-name demo.h19.gov.vn/office
	$(DOSSIER) prove $$($(DOSSIER) late --include-finished --format csv | sed -n 2p | cut -d, -f1) --key $(DEMO_DIR)/office.key \
		--output $(DEMO_DIR)/proof.json
	$(DOSSIER) verify-proof $(DEMO_DIR)/proof.json --public-key $(DEMO_DIR)/office.key.pub
	.build/verifier -key $(DEMO_DIR)/office.key.pub bundle $(DEMO_DIR)/proof.json
	@echo "== the province in a browser: make dashboard"

# The inspectors' dashboard on the demo province (made first when missing): a new auditor's token
# to sign in with, then `dossier serve` until stopped (Ctrl-C).
DASHBOARD_LISTEN ?= 127.0.0.1:8080
dashboard: deps
	$(SWIFT) build -c release --product dossier
	@[ -d $(DEMO_DIR)/store ] || $(MAKE) demo
	@token=$$($(DOSSIER) token create --role auditor --unit H19 --name "make dashboard" --format json | sed 's/.*"secret":"\([^"]*\)".*/\1/'); \
		echo "== the dashboard: http://$(DASHBOARD_LISTEN)/dashboard  (sign in with $$token)"
	$(DOSSIER) serve --listen $(DASHBOARD_LISTEN) --key $(DEMO_DIR)/office.key

# dossier, its man page (argument-parser's manual plugin) and its shell completions under a prefix.
PREFIX ?= /usr/local
install: deps
	$(SWIFT) build -c release --product dossier
	$(SWIFT) package --disable-sandbox plugin generate-manual
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 .build/release/dossier $(DESTDIR)$(PREFIX)/bin/dossier
	install -m 0644 .build/plugins/GenerateManual/outputs/dossier/dossier.1 $(DESTDIR)$(PREFIX)/share/man/man1/dossier.1
	.build/release/dossier --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dossier
	.build/release/dossier --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_dossier
	.build/release/dossier --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/dossier.fish

# The benchmarks (figures in README.md). BENCH_ARGS="--events 10000000" for the full run; `backends`
# (LMDB and PostgreSQL side by side, a throwaway cluster): appends, imports of 1 and 10 million events;
# `pages`: the dashboard's server time per page on the demo province (made first when missing;
# DEMO_DOSSIERS=1851851 DEMO_DIR=... for the 10-million-event one).
bench: deps pg-deps
	$(SWIFT) build -c release --product ledger-bench
	@[ -d $(DEMO_DIR)/store ] || $(MAKE) demo
	.build/release/ledger-bench pages --store $(DEMO_DIR)/store
	.build/release/ledger-bench all $(BENCH_ARGS)
	.build/release/ledger-bench views $(BENCH_ARGS)
	.build/release/ledger-bench backends --events 10000000
	@[ -x /usr/bin/wrk ] || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk >/dev/null; }
	.build/release/ledger-bench serve
