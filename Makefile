# SPDX-License-Identifier: GPL-3.0-or-later
# Thin wrapper over meson/ninja. `make deps` installs what the build, the
# demo and the tests need from Debian; every other target checks for them
# first (scripts/deps.sh --quiet, silent when all is present) and installs
# what is missing, so each is one command on a fresh machine.
#
#   make                    build into $(BUILD)
#   make check              unit tests (meson test) + integration tests
#   make check-unit         unit tests only
#   make check-integration  integration tests only (own network namespace,
#                           needs root), then the seed lab's tests (its
#                           own namespaces); PYTEST_ARGS="-k bc01 -x"
#                           narrows
#   make check-asan         both under ASan/UBSan, built in $(BUILD_ASAN)
#   make demo               the seed scenario in network namespaces: ECS,
#                           VPC gateway (zonegated, strongSwan), IDC
#                           gateway (strongSwan, BIND 9); KEEP=1 keeps it
#   make demo-local         the loopback demo: BIND 9 + zonegated on
#                           127.0.0.x (KEEP=1 keeps it running)
#   make bench              benchmark against dnsdist, Unbound, BIND 9 and
#                           Knot in its own network namespace (needs
#                           root; never part of make check); BENCH_ARGS=
#                           "--only failover" narrows; bench/README.md
#   make install            meson install
#   make clean              remove both build directories

BUILD      ?= build
BUILD_ASAN ?= build-asan
PYTHON     ?= /usr/bin/python3
PYTEST_ARGS ?=
BENCH_ARGS ?=

ASAN_OPTS = detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
SAN_ENV = ASAN_OPTIONS=$(ASAN_OPTS) \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: all deps deps-quiet build build-asan check check-unit \
	check-integration check-asan demo demo-local bench install clean

all: build

deps:
	@scripts/deps.sh --bench

deps-quiet:
	@scripts/deps.sh --quiet

$(BUILD)/build.ninja: | deps-quiet
	meson setup $(BUILD) --buildtype=debugoptimized -Dwerror=true

build: deps-quiet $(BUILD)/build.ninja
	ninja -C $(BUILD)

check-unit: build
	meson test -C $(BUILD) --print-errorlogs

check-integration: build
	ZONEGATE_BUILD=$(abspath $(BUILD)) PYTHON=$(PYTHON) \
		tests/integration/run.sh $(PYTEST_ARGS)
	ZONEGATE_BUILD=$(abspath $(BUILD)) PYTHON=$(PYTHON) \
		tests/integration/lab/run.sh $(PYTEST_ARGS)

check: check-unit check-integration

$(BUILD_ASAN)/build.ninja: | deps-quiet
	meson setup $(BUILD_ASAN) --buildtype=debug \
		-Db_sanitize=address,undefined -Db_lundef=false

build-asan: deps-quiet $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)

check-asan: build-asan
	$(SAN_ENV) meson test -C $(BUILD_ASAN) --print-errorlogs
	$(SAN_ENV) ZONEGATE_BUILD=$(abspath $(BUILD_ASAN)) PYTHON=$(PYTHON) \
		ZG_TEST_SLOW=3 tests/integration/run.sh $(PYTEST_ARGS)
	$(SAN_ENV) ZONEGATE_BUILD=$(abspath $(BUILD_ASAN)) PYTHON=$(PYTHON) \
		ZG_TEST_SLOW=3 tests/integration/lab/run.sh $(PYTEST_ARGS)

demo: build
	ZONEGATE_BUILD=$(abspath $(BUILD)) scripts/demo-seed.sh

demo-local: build
	ZONEGATE_BUILD=$(abspath $(BUILD)) scripts/demo-local.sh

bench: build
	@scripts/deps.sh --quiet --bench
	ZONEGATE_BUILD=$(abspath $(BUILD)) PYTHON=$(PYTHON) \
		bench/run.sh $(BENCH_ARGS)

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
