# kasim - user-space TCP keepalive simulator.
#
#   make run     install what is missing, build, run ./kasim scenarios/unplug.ini
#   make test    install what is missing, build, run every test (ASan + UBSan)
#   make bench   benchmarks (optimised build)
#   make kernel-check  compare kasim with the live kernel (root, netns)
#   make fuzz    libFuzzer campaign (FUZZ_SECONDS=60 per target, FUZZ_TARGET=all)
#   make fuzz-replay  every seed and regression input through the fuzz targets once
#   make tsan    ThreadSanitizer run of the OpenMP sweep (also part of make test)
#   make         just build ./kasim
#
# Debian packages are installed with apt-get when missing (as root, or via sudo).

CC      ?= gcc
VERSION := 0.1.0
GIT     := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# Build-time and run-time dependencies (Debian 12 package names). gnuplot-nox and
# tshark are only needed by the tests that render plots and read captures back
# (those tests skip themselves when the tools are missing); at run time gnuplot
# is optional.
DEPS_RUN  := pkg-config libinih-dev libjansson-dev libpcap-dev
DEPS_TEST := libcriterion-dev gnuplot-nox tshark
PKGS      := inih jansson libpcap
# make fuzz and make tsan: clang with libFuzzer and the sanitizer runtimes
# (libclang-rt), LLVM's OpenMP runtime and its TSan support (libomp, archer),
# llvm-symbolizer for the stack traces.
DEPS_CLANG := clang libclang-rt-14-dev libomp-14-dev llvm-14

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CSTD    := -std=c11 -D_GNU_SOURCE
DEFS    := -DKASIM_VERSION='"$(VERSION)"' -DKASIM_GIT='"$(GIT)"'
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# OpenMP: sweeps run on every core (sim/sweep_run.c). The test runner links it
# too, but never enters a parallel region: parallel sweeps are tested by
# spawning build/asan/kasim.
REL_CFLAGS  := -O2 -g -fopenmp -flto=auto
ASAN_CFLAGS := -O1 -g -fopenmp -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

SRCS  := $(sort $(wildcard sim/*.c))
LIB_SRCS := $(filter-out sim/main.c,$(SRCS))
HDRS  := $(wildcard include/*.h sim/*.h)
TEST_SRCS := $(sort $(wildcard tests/*.c))

REL_OBJS  := $(SRCS:sim/%.c=build/rel/%.o)
ASAN_OBJS := $(LIB_SRCS:sim/%.c=build/asan/%.o)

.PHONY: all run test bench bench-nat deps deps-test clean kernel-check golden-update \
	fuzz fuzz-replay tsan
all: kasim

# ---- dependencies --------------------------------------------------------
# A stamp per set, so apt-get runs only when something is missing.
build/.deps-run: Makefile
	@./.ci/install-deps $(DEPS_RUN)
	@mkdir -p build && touch $@
build/.deps-test: Makefile
	@./.ci/install-deps $(DEPS_RUN) $(DEPS_TEST)
	@mkdir -p build && touch $@
build/.deps-clang: Makefile
	@./.ci/install-deps $(DEPS_RUN) $(DEPS_CLANG)
	@mkdir -p build && touch $@
deps: build/.deps-run
deps-test: build/.deps-test

# ---- the program ----------------------------------------------------------
build/rel/%.o: sim/%.c $(HDRS) | build/.deps-run
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(REL_CFLAGS) $(DEFS) -Iinclude $(PKG_CFLAGS) -c $< -o $@

kasim: $(REL_OBJS)
	$(CC) $(REL_CFLAGS) -o $@ $(REL_OBJS) $(PKG_LIBS) -lm

run: kasim
	./kasim scenarios/unplug.ini

# ---- tests: everything under ASan + UBSan ----------------------------------
build/asan/%.o: sim/%.c $(HDRS) | build/.deps-test
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(ASAN_CFLAGS) $(DEFS) -Iinclude $(PKG_CFLAGS) -c $< -o $@

build/asan/kasim: $(ASAN_OBJS) build/asan/main.o
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

build/tests/run: $(TEST_SRCS) $(ASAN_OBJS) $(wildcard tests/*.h) $(HDRS) | build/.deps-test
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(ASAN_CFLAGS) $(DEFS) -Iinclude -Itests $(PKG_CFLAGS) \
		-o $@ $(TEST_SRCS) $(ASAN_OBJS) $(PKG_LIBS) -lcriterion -lm

# KASIM_BIN: the sanitised binary the CLI tests run; KASIM_ROOT: where scenarios/ are.
# Then the ThreadSanitizer run of the parallel sweep (make tsan).
test: build/tests/run build/asan/kasim
	KASIM_BIN=$(CURDIR)/build/asan/kasim KASIM_ROOT=$(CURDIR) \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		./build/tests/run --color=never -j2
	$(MAKE) --no-print-directory tsan

# The golden-output test (tests/test_golden.c) compares with tests/golden/expected.
# Regenerate it only for a change whose commit names why the outputs changed.
golden-update: kasim
	rm -rf tests/golden/expected
	tests/golden/run.sh ./kasim tests/golden/expected

# ---- benchmarks (optimised build, not part of the tests) -------------------
# The core benchmark: a simulated year of 1 s keepalives, outputs off.
build/bench: tests/bench/bench.c $(filter-out build/rel/main.o,$(REL_OBJS))
	$(CC) $(CSTD) $(WARN) $(REL_CFLAGS) $(DEFS) -Iinclude $(PKG_CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

bench: build/bench kasim
	./build/bench tests/bench/year-keepidle-1s.ini 3
	./build/bench tests/bench/nat-100k-day.ini 3
	tests/bench/sweep-bench.sh ./kasim

# The NAT background-load benchmark alone.
bench-nat: build/bench
	./build/bench tests/bench/nat-100k-day.ini 3

# ---- kasim against the live kernel (root + network namespaces; not part of test)
# Runs every case of tests/kernel/kcheck.py in network namespaces and writes the
# comparison table to docs/kernel-conformance.md. Skips cleanly without root.
kernel-check: kasim
	@if [ "$$(id -u)" = 0 ]; then ./.ci/install-deps iproute2 nftables tcpdump; fi
	python3 tests/kernel/kcheck.py --kasim ./kasim --doc docs/kernel-conformance.md

# ---- fuzzing: libFuzzer + ASan + UBSan, clang (tests/fuzz/, docs/testing.md) --
# The library is built again with clang into build/fuzz/; new corpus entries
# go to build/fuzz/corpus-TARGET, reproducers to build/fuzz/artifacts/.
FUZZ_CC      := clang
FUZZ_SECONDS ?= 60
FUZZ_TARGET  ?= all
FUZZ_NAMES   := scenario sweep run
# A sweep's load parses the file once per axis value and once per point: the
# fuzz build lowers the limits (include/sweep.h) so that one input takes
# seconds, not the minutes 10^6 points take under ASan.
FUZZ_CFLAGS  := -O1 -g -fopenmp -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all \
	-DSWEEP_MAX_VALUES=200u -DSWEEP_MAX_POINTS=1000u
FUZZ_OBJS    := $(LIB_SRCS:sim/%.c=build/fuzz/obj/%.o)
FUZZ_BINS    := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)

build/fuzz/obj/%.o: sim/%.c $(HDRS) | build/.deps-clang
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CSTD) $(WARN) $(FUZZ_CFLAGS) $(DEFS) -Iinclude $(PKG_CFLAGS) -c $< -o $@

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_input.h $(FUZZ_OBJS) | build/.deps-clang
	$(FUZZ_CC) $(CSTD) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(DEFS) -Iinclude $(PKG_CFLAGS) \
		-o $@ $< $(FUZZ_OBJS) $(PKG_LIBS) -lm

# keep the objects (make would delete them as intermediates of a pattern chain)
.SECONDARY: $(FUZZ_OBJS)

fuzz: $(FUZZ_BINS)
	tests/fuzz/fuzz.sh fuzz $(FUZZ_TARGET) $(FUZZ_SECONDS)

fuzz-replay: $(FUZZ_BINS)
	tests/fuzz/fuzz.sh replay $(FUZZ_TARGET)

# ---- ThreadSanitizer: the OpenMP sweep (tests/tsan.sh, docs/testing.md) ---------
# gcc's libgomp is not TSan-instrumented; LLVM's libomp with its archer tool
# tells TSan about OpenMP's synchronisation, so no suppression is needed.
TSAN_CFLAGS := -O1 -g -fopenmp -fsanitize=thread -fno-omit-frame-pointer
TSAN_OBJS   := $(SRCS:sim/%.c=build/tsan/%.o)

build/tsan/%.o: sim/%.c $(HDRS) | build/.deps-clang
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CSTD) $(WARN) $(TSAN_CFLAGS) $(DEFS) -Iinclude $(PKG_CFLAGS) -c $< -o $@

build/tsan/kasim: $(TSAN_OBJS)
	$(FUZZ_CC) $(TSAN_CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

tsan: build/tsan/kasim
	tests/tsan.sh build/tsan/kasim

clean:
	rm -rf build kasim
