# SPDX-License-Identifier: GPL-3.0-or-later
# Thin wrapper over meson/ninja. `make deps` installs what the build, the
# demo and the tests need from Debian; every other target runs it first
# when something is missing, so each is one command on a fresh machine.

BUILD      ?= build
BUILD_ASAN ?= build-asan
PYTHON     ?= /usr/bin/python3
PYTEST     ?= $(PYTHON) -m pytest

.PHONY: all deps build check check-unit check-integration check-asan demo \
	install bench clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	@scripts/deps.sh --quiet
	meson setup $(BUILD) --buildtype=debugoptimized -Dwerror=true

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

check-unit: build
	meson test -C $(BUILD) --print-errorlogs

check-integration: build
	ZONEGATE_BUILD=$(abspath $(BUILD)) $(PYTEST) -q tests/integration

check: check-unit check-integration

$(BUILD_ASAN)/build.ninja:
	@scripts/deps.sh --quiet
	meson setup $(BUILD_ASAN) --buildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false

check-asan: $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(BUILD_ASAN) --print-errorlogs
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ZONEGATE_BUILD=$(abspath $(BUILD_ASAN)) $(PYTEST) -q tests/integration

demo: build
	@scripts/demo-local.sh

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
