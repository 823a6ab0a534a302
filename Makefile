# dnsedge — top-level commands. `make run` and `make test` work on a fresh Debian 12 machine:
# they install the Debian packages they need (as root, or through sudo), configure and build.

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
PY         := /usr/bin/python3
DNS_LISTEN ?= 127.0.0.1:5353
API_LISTEN ?= 127.0.0.1:8080
METRICS_LISTEN ?= 127.0.0.1:9153
# The demo's resolver (external CNAME targets, the live mail doctor): the demo server itself unless
# given, so `make run` sends nothing beyond loopback; UPSTREAM=ADDR:PORT names a real resolver.
UPSTREAM   ?= $(DNS_LISTEN)
DATA       ?= .dnsedge-data

# Build and run dependencies, plus the peers and clients the tests and the benchmark use.
DEPS := cmake ninja-build g++ clang clang-format pkg-config make \
        libgtest-dev libgmock-dev libbenchmark-dev libknot-dev libunbound-dev libboost-dev \
        nlohmann-json3-dev libsqlite3-dev libtomlplusplus-dev libcli11-dev libspdlog-dev \
        libfmt-dev libabsl-dev libssl-dev \
        knot knot-dnsutils knot-dnssecutils nsd dnsperf bind9-dnsutils python3 python3-dnspython python3-pytest \
        curl openssl swaks python3-aiosmtpd python3-cryptography nodejs chromium prometheus \
        unbound ldnsutils libfstrm-dev libprotobuf-c-dev protobuf-c-compiler fstrm-bin dnstap-ldns knot-module-dnstap

PYTEST_SUITES := tests/blackbox tests/golden tests/api tests/doctor tests/edge tests/xfr tests/metrics tests/web tests/dnstap tests/dnssec

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps configure build test unit blackbox run bench fuzz clean format-check

all: build

deps:
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# npm (tests/api/test_sdk_interop.py installs the cloudflare SDK with it): Debian's own package,
	@# unless the installed nodejs already brings npm (NodeSource builds do, and conflict with it).
	@command -v npm >/dev/null 2>&1 || { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm; }
	@# The dashboard's npm packages (web/package-lock.json; the browser tests use Debian's chromium).
	@[ web/node_modules/.package-lock.json -nt web/package-lock.json ] || (cd web && npm ci --no-audit --no-fund)

# ccache, when the machine has it, only speeds up rebuilds (it is not a dependency).
LAUNCHER := $(shell command -v ccache >/dev/null 2>&1 && echo -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(LAUNCHER)

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD)

# Every test: unit + golden (ctest), then the black-box suites against the real binary.
test: build
	@$(MAKE) --no-print-directory format-check
	cd $(BUILD) && ctest --output-on-failure -j2
	@# One pytest session per suite: each suite has its own conftest helpers.
	@set -e; for d in $(PYTEST_SUITES); do \
	  echo "== pytest $$d"; DNSEDGE_BIN=$(abspath $(BUILD)/dnsedge) $(PY) -m pytest -q $$d; \
	done
	@# The dashboard: type-check, then the browser tests (headless chromium) against the binary.
	cd web && node_modules/.bin/tsc --noEmit
	@echo "dashboard browser tests: screenshots of every page go to $(abspath $(BUILD))/web-artifacts/"
	DNSEDGE_BIN=$(abspath $(BUILD)/dnsedge) node --test tests/web/dashboard.test.mjs

# The style (.clang-format) of the C++ lines this branch changed since it left main, and only
# those: existing code is never reformatted, so parallel branches do not collide on a reformat.
# Without git history or a main branch there is no base to compare with: nothing is checked.
# To fix: git diff -U0 $(git merge-base HEAD main) -- '*.cc' '*.h' | clang-format-diff -p1 -i
format-check:
	@base=$$(git merge-base HEAD main 2>/dev/null || git merge-base HEAD origin/main 2>/dev/null); \
	if [ -z "$$base" ]; then echo "format-check: no main branch or no git history, nothing checked"; exit 0; fi; \
	command -v clang-format-diff >/dev/null || { echo "format-check: clang-format-diff missing (make deps)"; exit 1; }; \
	out=$$(git diff -U0 --no-color "$$base" -- '*.cc' '*.h' | clang-format-diff -p1) || exit 1; \
	if [ -n "$$out" ]; then \
	  printf '%s\n' "$$out"; echo "format-check: changed lines differ from .clang-format (fix: see the Makefile)"; exit 1; \
	fi; \
	echo "format-check: changed lines follow .clang-format"

# `make run` listens where DNS_LISTEN and API_LISTEN say (ADDR:PORT, [IPv6]:PORT); the banner
# shows the commands for those addresses. API-created zones get the demo zone's name servers.
DNS_PORT := $(lastword $(subst :, ,$(DNS_LISTEN)))
DNS_HOST := $(subst [,,$(subst ],,$(patsubst %:$(DNS_PORT),%,$(DNS_LISTEN))))
API_URL  := http://$(API_LISTEN)/client/v4
DIG      := dig @$(DNS_HOST) -p $(DNS_PORT)
CURL     := curl -s -H 'Authorization: Bearer demo-token-change-me'

run: build
	@mkdir -p $(DATA)
	@echo "dnsedge: serving the demo zone example.com on $(DNS_LISTEN). Try:"
	@echo "  $(DIG) example.com SOA"
	@echo "  $(DIG) www.example.com A              (proxied: the edge addresses)"
	@echo "  $(DIG) _submission._tcp.example.com SRV (target rewritten to a dc- record)"
	@echo "  $(DIG) example.com MX"
	@echo "  $(DIG) nothing.example.com A     (NXDOMAIN)"
	@echo "  $(DIG) +tcp example.com TXT"
	@echo "Dashboard: http://$(API_LISTEN)/ (sign in with the token demo-token-change-me)"
	@echo "REST API (Cloudflare v4 shape, docs/api.md) on $(API_URL), demo token: demo-token-change-me"
	@echo "  $(CURL) $(API_URL)/zones"
	@echo "  $(CURL) -X POST $(API_URL)/zones -d '{\"name\":\"example.org\"}'"
	@echo "  $(CURL) -X POST $(API_URL)/zones/ZONE_ID/dns_records \\"
	@echo "       -d '{\"name\":\"www\",\"type\":\"A\",\"content\":\"192.0.2.10\",\"proxied\":true}'"
	@echo "Metrics (Prometheus, docs/observability.md): curl -s http://$(METRICS_LISTEN)/metrics  (/healthz, /readyz)"
	@echo "CLI: export DNSEDGE_API_TOKEN=demo-token-change-me; $(BUILD)/dnsedge zone list --api $(API_URL)"
	@echo "External names (flattened CNAME targets, the live mail doctor) resolve through $(UPSTREAM)$(if $(filter $(UPSTREAM),$(DNS_LISTEN)), (this server: only its own zones; make run UPSTREAM=ADDR:PORT for a real resolver),)"
	@exec $(BUILD)/dnsedge serve --data $(DATA) --dns-listen $(DNS_LISTEN) --zone-file demo/example.com.zone \
	  --edge-ipv4 203.0.113.1,203.0.113.2 --edge-ipv6 2001:db8:e::1,2001:db8:e::2 \
	  --nameserver ns1.example.com --nameserver ns2.example.com \
	  --api-listen $(API_LISTEN) --api-token demo-token-change-me --metrics-listen $(METRICS_LISTEN) \
	  --upstream $(UPSTREAM)

bench: build
	$(PY) bench/bench.py --dnsedge $(abspath $(BUILD)/dnsedge)

FUZZ_TARGETS ?= fuzz_packet fuzz_http_head fuzz_client_hello

fuzz: deps
	cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DDNSEDGE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz --target $(FUZZ_TARGETS)
	for t in $(FUZZ_TARGETS); do mkdir -p build-fuzz/corpus/$$t && \
	  ./build-fuzz/tests/$$t -max_total_time=$${FUZZ_SECONDS:-60} build-fuzz/corpus/$$t tests/fuzz/corpus/$${t#fuzz_} || exit 1; done

clean:
	rm -rf $(BUILD) build-fuzz
