# Top-level build of the lunatic runtime.
#   make            build everything (-O2 -g) into build/release
#   make test       build and run every test (unit, spec, guest, fuzz replay,
#                   and the same again under ASan+UBSan)
#   make spec       the WebAssembly spec suite, one line per file
#   make deps       install the Debian packages the build needs
#   make bench      interpreter benchmarks (see bench/)

CC ?= cc
SPEC_DIR ?= ../shared/spec-testsuite
VARIANT ?= release
B := build/$(VARIANT)
.DEFAULT_GOAL := all

WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wundef -Wstrict-prototypes \
        -Wmissing-prototypes -Wwrite-strings -Wvla
CFLAGS_release := -O2 -g
# LUN_LOCK_CHECK: errorcheck mutexes and rwlock owner tracking
# (common/lun_lock.h), so every test run under these variants fails on a
# re-lock or an unlock by a thread that does not hold the lock.
CFLAGS_debug := -O0 -g -DLUN_DEBUG=2 -DLUN_TESTING -DLUN_LOCK_CHECK
CFLAGS_asan := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer -DLUN_LOCK_CHECK
CFLAGS_bench := -O2 -DNDEBUG -DLUN_DEBUG=0
CFLAGS_clang := -O2 -g
# The interpreter without its superinstructions (vm/super_list.h compiled out).
CFLAGS_nofusion := -O2 -g -DVM_NO_FUSION
CFLAGS ?=
ALL_CFLAGS := $(WARN) $(CFLAGS_$(VARIANT)) $(CFLAGS) -I.
LDFLAGS_asan := -fsanitize=address,undefined
ALL_LDFLAGS := $(LDFLAGS_$(VARIANT)) $(LDFLAGS)

# common/lun_lock.c (checked pthread locks) goes into libnet.a, the lowest
# layer that uses threads: vm/ uses none.
LOCK_SRC := common/lun_lock.c
COMMON_SRC := $(filter-out $(LOCK_SRC),$(wildcard common/*.c))
VM_SRC := $(wildcard vm/*.c)
WASI_SRC := $(wildcard wasi/*.c)
FS_SRC := $(wildcard fs/*.c)
LIBVM := $(B)/libvm.a
LIBWASI := $(B)/libwasi.a
LIBFS := $(B)/libfs.a

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

# {===== sched/: the process scheduler (libsched.a). It uses vm/, wasi/
# (each process's WASI context) and net/'s poller (processes parked on
# fds); programs linking it also need xxHash and threads: $(SCHED_LIBS).
# It knows no socket, TLS context or database: its unit tests link
# without SQLite or mbedtls (tests/unit/sched/test_alone.c runs a whole
# runtime so), and `make check-sched-deps` (run by check-static) fails if
# any object of the archive names a sqlite3_ or mbedtls_ symbol.
SCHED_SRC := $(wildcard sched/*.c)
LIBSCHED := $(B)/libsched.a
SCHED_LIBS := -lxxhash -pthread

$(LIBSCHED): $(call obj,$(SCHED_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

.PHONY: check-sched-deps
check-sched-deps: $(LIBSCHED)
	@if nm -u $(LIBSCHED) | grep -E ' (sqlite3|mbedtls)_' ; then \
	    echo "check-sched-deps: libsched.a names SQLite or mbedtls (above)"; \
	    exit 1; fi
	@echo "check-sched-deps: libsched.a names no SQLite or mbedtls symbol"
# }=====

# {===== host/: the lunatic::* guest ABI (libhost.a), one file per
# namespace, above sched/: programs linking it link libsched.a below it,
# and $(HOST_LIBS) (SQLite for lunatic::sqlite; TLS comes with net/'s
# $(NET_LIBS)).
HOST_SRC := $(wildcard host/*.c)
LIBHOST := $(B)/libhost.a
HOST_LIBS := -lsqlite3

$(LIBHOST): $(call obj,$(HOST_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
# }=====

# {===== net/: the poller (net/poll.c includes one backend: poll_epoll.c,
# poll_kqueue.c, poll_iocp.c or poll_poll.c; never compiled alone),
# sockets, DNS, TLS (libnet.a). Programs linking it need $(NET_LIBS).
# The poller tests run twice: the native backend, and poll() forced with
# -DNET_FORCE_POLL.
NET_SRC := $(filter-out net/poll_%.c,$(wildcard net/*.c)) $(LOCK_SRC)
LIBNET := $(B)/libnet.a
NET_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto -pthread
NET_UNIT_EXTRA := $(B)/tests/net/test_poll_forced

$(LIBNET): $(call obj,$(NET_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/obj/net/poll.o: $(wildcard net/poll_*.c)

$(B)/tests/net/%: tests/unit/net/%.c tests/unit/net/poll_cases.h $(LIBNET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLUN_TESTING $(filter %.c %.a,$^) -o $@ \
	    $(ALL_LDFLAGS) -lcriterion $(NET_LIBS)

$(B)/tests/net/test_poll_forced: tests/unit/net/test_poll.c \
        tests/unit/net/poll_cases.h net/poll.c $(wildcard net/poll_*.c) \
        $(LOCK_SRC) common/lun_lock.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLUN_TESTING -DNET_FORCE_POLL \
	    -DEXPECT_BACKEND='"poll"' tests/unit/net/test_poll.c net/poll.c \
	    common/lun_err.c $(LOCK_SRC) -o $@ $(ALL_LDFLAGS) -lcriterion -pthread

# `make test-windows` (opt-in, not part of `make test`): the poller and
# the Criterion-free driver tests/unit/net/run_poll_win.c cross-built with
# mingw-w64 against the IOCP backend, run under wine64 (installed here
# with apt-get only when missing). If wine cannot run programs, the
# target builds only and says why.
WIN_CC ?= x86_64-w64-mingw32-gcc
WIN_EXE := build/windows/run_poll_win.exe
.PHONY: test-windows
test-windows:
	@command -v $(WIN_CC) >/dev/null && command -v wine >/dev/null || \
	    apt-get install -y -q gcc-mingw-w64-x86-64 wine64 >/dev/null
	@mkdir -p $(dir $(WIN_EXE))
	$(WIN_CC) $(WARN) -O2 -I. tests/unit/net/run_poll_win.c net/poll.c \
	    common/lun_err.c -o $(WIN_EXE) -lws2_32
	@sh tests/unit/net/windows.sh $(WIN_EXE) build/windows/wineprefix
# }=====

.PHONY: all test unit spec test-asan test-clang test-nofusion test-nofusion-build check \
        check-static deps clean bench fuzz
all: $(B)/lunatic $(B)/spectest $(B)/embed_example $(B)/vmdump

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fvisibility=hidden -MMD -MP -c $< -o $@

# The interpreter loop. Its handlers are entered only by jumps, and where they
# fall decided some programs by 1.1-1.7x (fnv 1.07-1.66 s, memops 6.2-7.9 s over
# four placements of the same code; adding four unrelated handlers once made hash
# 1.4x slower). -falign-jumps=64 starts such a target at a 64-byte line, but GCC
# aligns only blocks it deems frequent, and behind a computed goto that was 10 of
# 544 handlers; align-threshold at its maximum makes it every block it does not
# deem cold: 502 of 542. About 30 KB of padding, jumped over, not executed; clang has
# no such flags. (`=`: the compiler is asked only when exec.o is built.)
EXEC_ALIGN = $(if $(shell $(CC) --version 2>/dev/null | head -1 | grep -i clang),,\
  -falign-jumps=64 --param=align-threshold=65536)
$(B)/obj/vm/exec.o: ALL_CFLAGS += $(EXEC_ALIGN)

$(LIBVM): $(call obj,$(VM_SRC) $(COMMON_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBWASI): $(call obj,$(WASI_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBFS): $(call obj,$(FS_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/lunatic: $(call obj,tools/lunatic.c tools/cargo_test.c tools/cargo_init.c) $(LIBHOST) $(LIBSCHED) $(LIBWASI) $(LIBFS) $(LIBNET) $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) $(HOST_LIBS) $(SCHED_LIBS) $(NET_LIBS) -lm

$(B)/spectest: $(call obj,tools/spectest.c tools/spectest_host.c tools/json.c) \
                $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) -lm

$(B)/vmdump: $(call obj,tools/vmdump.c) $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) -lm

$(B)/embed_example: $(call obj,examples/embed/embed.c) $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) -lm

# {===== unit tests (Criterion): one binary per tests/unit/<mod>/test_<file>.c
UNIT_SRC := $(wildcard tests/unit/*/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC)) $(NET_UNIT_EXTRA)

# Fixtures: tests/unit/<mod>/wat/*.wat become $(B)/fixtures/*.wasm (with
# the name section, which trap messages use).
UNIT_WAT := $(wildcard tests/unit/*/wat/*.wat)
UNIT_FIXTURES := $(patsubst %.wat,$(B)/fixtures/%.wasm,$(notdir $(UNIT_WAT)))
vpath %.wat $(sort $(dir $(UNIT_WAT)))

.PRECIOUS: $(B)/fixtures/%.wasm
$(B)/fixtures/%.wasm: %.wat
	@mkdir -p $(dir $@)
	wat2wasm --debug-names $< -o $@

$(B)/tests/%: tests/unit/%.c $(LIBWASI) $(LIBFS) $(LIBNET) $(LIBVM) | $(UNIT_FIXTURES)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLUN_TESTING -DFIXTURE_DIR='"$(B)/fixtures"' \
	    $(filter-out $(UNIT_FIXTURES),$^) -o $@ $(ALL_LDFLAGS) -lcriterion -lm -lpthread

# sched/ tests also link the scheduler (a more specific pattern wins),
# without SQLite or mbedtls: the scheduler must not need them (only net/'s
# poller is taken from libnet.a).
$(B)/tests/sched/%: tests/unit/sched/%.c $(LIBSCHED) $(LIBWASI) $(LIBFS) $(LIBNET) \
                    $(LIBVM) | $(UNIT_FIXTURES)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLUN_TESTING -DFIXTURE_DIR='"$(B)/fixtures"' \
	    $(filter-out $(UNIT_FIXTURES),$^) -o $@ $(ALL_LDFLAGS) -lcriterion \
	    $(SCHED_LIBS) -lm

# host/ tests link the whole runtime.
$(B)/tests/host/%: tests/unit/host/%.c $(LIBHOST) $(LIBSCHED) $(LIBWASI) $(LIBFS) \
                   $(LIBNET) $(LIBVM) | $(UNIT_FIXTURES)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLUN_TESTING -DFIXTURE_DIR='"$(B)/fixtures"' \
	    $(filter-out $(UNIT_FIXTURES),$^) -o $@ $(ALL_LDFLAGS) -lcriterion \
	    $(HOST_LIBS) $(SCHED_LIBS) $(NET_LIBS) -lm

# The checked locks' own test is built with LUN_LOCK_CHECK in every
# variant: it is about what the checking build catches.
$(B)/tests/common/test_lun_lock: tests/unit/common/test_lun_lock.c \
                                 $(LOCK_SRC) common/lun_lock.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLUN_TESTING -DLUN_LOCK_CHECK $(filter %.c,$^) \
	    -o $@ $(ALL_LDFLAGS) -lcriterion -pthread

unit: $(UNIT_BIN) $(UNIT_FIXTURES)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t --jobs 2; done
include tests/unit/vm/super.mk
# }=====

spec: $(B)/spectest
	@if [ ! -d "$(SPEC_DIR)" ]; then \
	  echo "spec: skipped: $(SPEC_DIR) not found (get test/core of github.com/WebAssembly/spec at tag wg-2.0, commit fffc6e12fa454e475455a7b58d3b5dc343980c10, and set SPEC_DIR)"; \
	else $(B)/spectest --spec-dir $(SPEC_DIR) --work-dir $(B)/spec; fi

deps:
	@sh tools/deps.sh

clean:
	rm -rf build

# build/real/ (make test-real) holds upstream source trees, whose *.d are not ours
-include $(shell find build -path build/real -prune -o -name '*.d' -print 2>/dev/null)
include tests/real/real.mk

# {===== benchmarks: bench/progs/*.c built natively, to wasm32-wasi and freestanding wasm32,
# run by bench/run.py
#   make bench           build the interpreter with the bench flags (CFLAGS_bench, into
#                        build/bench/) and the programs, run them on every engine found, print
#                        the table and the extra sections (load time of a 1 MiB module, then
#                        BENCH_EXTRA), write $(BENCH_OUT)/results.{txt,csv,svg}; exits 1 on a
#                        checksum mismatch or a failed section
#   make bench-core      the speed figure of issue 2 (BENCH_CORE): fib(30) x20, sieve and
#                        200x200 f64 matmul on native, lunatic, wasm-interp and node, in one
#                        run (results in $(BENCH_OUT)/core/; ~4 min, wasm-interp is most of it)
#   make bench-anchors   make bench with the programs of $(BENCH_ANCHORS_DIR) as extra rows
#   make bench-selftest  quick smoke test of the runner (< 30 s)
#   make bench-layout    the anchors fnv, memops, matmul and sieve on four builds whose handlers
#                        sit 0/16/32/48 bytes apart (bench/layout.sh): how much of a figure
#                        is code placement (~2 min)
#   make bench-callgrind PROG=fib   instructions lunatic executes on the quick-size PROG
#                        (valgrind --tool=callgrind: stable on a noisy machine, to compare
#                        interpreter changes), with the top functions
# Knobs: BENCH_QUICK=1 (small work, into build/bench-results-quick), BENCH_RUNS=3,
# BENCH_TIMEOUT=120, BENCH_SLOW_TIMEOUT=60 (wasm-interp's per-run cap: "timeout" past it;
# BENCH_CORE_SLOW_TIMEOUT=150 for bench-core),
# BENCH_ENGINES="name=command [args] ...", BENCH_ONLY=native,node (restrict engines),
# BENCH_PROGS="fib vm" (restrict programs), BENCH_LUNATIC (the interpreter binary to measure;
# default the bench build), BENCH_EXTRA="cmd ..." (commands whose output joins the report,
# one per word: see bench/run.py), BENCH_NO_EXTRA=1 (skip the extra sections).
# Outputs never go to build/bench/: that is VARIANT=bench's directory.
BENCH_CC ?= $(CC)
BENCH_WASM_CC ?= clang
BENCH_RUNS ?= 3
BENCH_TIMEOUT ?= 120
BENCH_SLOW_TIMEOUT ?= 60
BENCH_CORE_SLOW_TIMEOUT ?= 150
BENCH_ENGINES ?=
BENCH_ONLY ?=
BENCH_VDIR := build/bench
BENCH_LUNATIC ?= $(BENCH_VDIR)/lunatic
BENCH_ANCHORS_DIR ?= ../shared/bench-anchors
BENCH_QUICK ?=
BENCH_WITH_ANCHORS ?=
BENCH_EXTRA ?=
BENCH_NO_EXTRA ?=
BENCH_OUT := build/bench-results$(if $(BENCH_QUICK),-quick)
BENCH_RESULTS ?= $(BENCH_OUT)

# Row order of the report; a new program is bench/progs/<name>.c plus its name here.
BENCH_ALL := fib sieve cmark matmul nbody mandel hash memops memops_bulk vm indirect
BENCH_CORE := fib30 sieve matmul
BENCH_PROGS ?= $(BENCH_ALL)
BENCH_CFLAGS := -std=c11 -O2 -Wall -Wextra -Werror $(if $(BENCH_QUICK),-DBENCH_QUICK)
# Debian's clang finds wasi-libc (package wasi-libc) by itself for --target=wasm32-wasi;
# set BENCH_WASI_SYSROOT for another layout (e.g. wasi-sdk's share/wasi-sysroot).
BENCH_WASI_SYSROOT ?=
BENCH_WASM_CFLAGS := --target=wasm32-wasi $(if $(BENCH_WASI_SYSROOT),--sysroot=$(BENCH_WASI_SYSROOT)) \
                     $(BENCH_CFLAGS)
# the freestanding flavour for engines without WASI (wasm-interp): no libc, no main, the
# work in the exported bench_run() (bench/progs/bench.h)
BENCH_FREE_CFLAGS := --target=wasm32 -nostdlib -DBENCH_FREESTANDING $(BENCH_CFLAGS) \
                     -Wl,--no-entry -Wl,--export=bench_run
BENCH_WASM_CFLAGS_memops_bulk := -mbulk-memory

$(BENCH_OUT)/native/%: bench/progs/%.c bench/progs/bench.h
	@mkdir -p $(dir $@)
	$(BENCH_CC) $(BENCH_CFLAGS) $< -o $@ -lm

$(BENCH_OUT)/wasm/%.wasm: bench/progs/%.c bench/progs/bench.h
	@mkdir -p $(dir $@)
	$(BENCH_WASM_CC) $(BENCH_WASM_CFLAGS) $(BENCH_WASM_CFLAGS_$*) $< -o $@ -lm

$(BENCH_OUT)/free/%.wasm: bench/progs/%.c bench/progs/bench.h
	@mkdir -p $(dir $@)
	$(BENCH_WASM_CC) $(BENCH_FREE_CFLAGS) $(BENCH_WASM_CFLAGS_$*) $< -o $@

# programs that include another one
$(BENCH_OUT)/native/memops_bulk $(BENCH_OUT)/wasm/memops_bulk.wasm $(BENCH_OUT)/free/memops_bulk.wasm: \
    bench/progs/memops.c
$(BENCH_OUT)/native/fib30 $(BENCH_OUT)/wasm/fib30.wasm $(BENCH_OUT)/free/fib30.wasm: bench/progs/fib.c

# Anchor programs are built from where they are (never copied into the repo), with the
# flags of their build.sh; memops-bulk is their memops.c with -mbulk-memory. They have no
# freestanding build (n/a for wasm-interp).
BENCH_ANCHOR_NAMES := fib sieve matmul nbody fnv memops memops-bulk
BENCH_ANCHOR_QUICK := -DREPS=1 -DN=100000 -DDIM=40 -DSTEPS=20000 '-DSIZE=(1u<<20)' -DPASSES=1 \
                      -DBIGREPS=20 -DSMALLREPS=40000
BENCH_ANCHOR_CFLAGS := -O2 -I$(BENCH_ANCHORS_DIR) $(if $(BENCH_QUICK),$(BENCH_ANCHOR_QUICK))
BENCH_A := $(BENCH_OUT)/anchors

$(BENCH_A)/native/%: $(BENCH_ANCHORS_DIR)/%.c
	@mkdir -p $(dir $@)
	$(BENCH_CC) $(BENCH_ANCHOR_CFLAGS) $< -o $@ -lm

$(BENCH_A)/wasm/%.wasm: $(BENCH_ANCHORS_DIR)/%.c
	@mkdir -p $(dir $@)
	$(BENCH_WASM_CC) --target=wasm32-wasi $(BENCH_ANCHOR_CFLAGS) $< -o $@ -lm

$(BENCH_A)/native/memops-bulk: $(BENCH_ANCHORS_DIR)/memops.c
	@mkdir -p $(dir $@)
	$(BENCH_CC) $(BENCH_ANCHOR_CFLAGS) $< -o $@ -lm

$(BENCH_A)/wasm/memops-bulk.wasm: $(BENCH_ANCHORS_DIR)/memops.c
	@mkdir -p $(dir $@)
	$(BENCH_WASM_CC) --target=wasm32-wasi -mbulk-memory $(BENCH_ANCHOR_CFLAGS) $< -o $@ -lm

# Compile cost: a generated ~1 MiB module with thousands of varied functions, loaded and
# validated over and over by $(B)/loadtime (links $(B)/libvm.a, uses only vm/vm.h).
$(BENCH_OUT)/gen1mb.wasm: bench/gen_module.py
	@mkdir -p $(dir $@)
	python3 $< --size 1048576 -o $@

$(B)/loadtime: $(call obj,bench/loadtime.c) $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) -lm

# The interpreter under test (and loadtime) is the VARIANT=bench build, made by a sub-make
# unless BENCH_LUNATIC names another binary; only when the lunatic engine is wanted.
BENCH_WANT_LUN := $(if $(BENCH_ONLY),$(findstring lunatic,$(BENCH_ONLY)),yes)
BENCH_SELF_BUILD := $(if $(filter $(BENCH_VDIR)/lunatic,$(BENCH_LUNATIC)),$(BENCH_WANT_LUN))
BENCH_EXTRA_ARGS := $(if $(BENCH_NO_EXTRA),,$(if $(BENCH_WANT_LUN),\
    --extra "$(BENCH_VDIR)/loadtime $(BENCH_OUT)/gen1mb.wasm $(if $(BENCH_QUICK),0.2,1)") \
    $(foreach c,$(BENCH_EXTRA),--extra "$(c)"))

BENCH_USE_ANCHORS := $(if $(BENCH_WITH_ANCHORS),$(wildcard $(BENCH_ANCHORS_DIR)/fib.c))
BENCH_BINS := $(BENCH_PROGS:%=$(BENCH_OUT)/native/%) $(BENCH_PROGS:%=$(BENCH_OUT)/wasm/%.wasm) \
              $(BENCH_PROGS:%=$(BENCH_OUT)/free/%.wasm) \
              $(if $(BENCH_USE_ANCHORS),$(BENCH_ANCHOR_NAMES:%=$(BENCH_A)/native/%) \
                                        $(BENCH_ANCHOR_NAMES:%=$(BENCH_A)/wasm/%.wasm)) \
              $(if $(BENCH_WANT_LUN),$(if $(BENCH_NO_EXTRA),,$(BENCH_OUT)/gen1mb.wasm))

BENCH_INTERP_TARGETS := $(strip $(if $(BENCH_SELF_BUILD),$(BENCH_VDIR)/lunatic) \
    $(if $(BENCH_WANT_LUN),$(if $(BENCH_NO_EXTRA),,$(BENCH_VDIR)/loadtime)))

.PHONY: bench-build bench-interp bench-core bench-anchors bench-layout bench-selftest bench-callgrind
bench-build: $(BENCH_BINS) $(if $(BENCH_INTERP_TARGETS),bench-interp)

bench-interp:
	@$(MAKE) --no-print-directory VARIANT=bench $(BENCH_INTERP_TARGETS)

bench: bench-build
	@python3 bench/run.py --out $(BENCH_OUT) --results $(BENCH_RESULTS) --progs "$(BENCH_PROGS)" \
	  $(if $(BENCH_USE_ANCHORS),--anchors "$(BENCH_ANCHOR_NAMES)") \
	  --runs $(BENCH_RUNS) --timeout $(BENCH_TIMEOUT) --slow-timeout $(BENCH_SLOW_TIMEOUT) \
	  --lunatic "$(BENCH_LUNATIC)" --engines "$(BENCH_ENGINES)" --only "$(BENCH_ONLY)" \
	  --cc "$(BENCH_CC)" --wasm-cc "$(BENCH_WASM_CC)" $(if $(BENCH_QUICK),--quick) \
	  $(BENCH_EXTRA_ARGS)
	@$(MAKE) --no-print-directory bench-sched
	@$(MAKE) --no-print-directory bench-grow
	@$(MAKE) --no-print-directory bench-net

# wasm-interp takes ~55 s on each of sieve and matmul here: a wider cap than make bench's,
# so that the headline figure has its column
bench-core:
	@$(MAKE) --no-print-directory bench BENCH_PROGS="$(BENCH_CORE)" BENCH_NO_EXTRA=1 \
	  BENCH_ONLY=lunatic,wasm-interp,node BENCH_RESULTS=$(BENCH_OUT)/core \
	  BENCH_SLOW_TIMEOUT=$(BENCH_CORE_SLOW_TIMEOUT)

bench-anchors:
	@if [ -f "$(BENCH_ANCHORS_DIR)/fib.c" ]; then $(MAKE) --no-print-directory bench BENCH_WITH_ANCHORS=1; \
	else echo "bench-anchors: $(BENCH_ANCHORS_DIR) not found, running without anchors"; \
	  $(MAKE) --no-print-directory bench; fi

bench-layout:
	@$(MAKE) --no-print-directory bench-build BENCH_WITH_ANCHORS=1 BENCH_ONLY=native
	@sh bench/layout.sh

bench-selftest:
	@sh bench/selftest.sh

PROG ?= fib
bench-callgrind:
	@$(MAKE) --no-print-directory bench-build BENCH_QUICK=1 BENCH_PROGS=$(PROG) BENCH_ONLY=lunatic \
	  BENCH_NO_EXTRA=1
	@sh bench/callgrind.sh "$(BENCH_LUNATIC)" build/bench-results-quick/wasm/$(PROG).wasm
# }=====

# {===== scheduling benchmarks (bench/sched/): one C guest, the same in Erlang
# and Go (run when erl / go are installed), side by side in one table:
#   make bench-sched     (also run at the end of `make bench`)
# Knobs: BENCH_QUICK=1 (small sizes), BENCH_RUNS.
SCHED_BENCH_WASM := $(BENCH_OUT)/wasm/schedbench.wasm
$(SCHED_BENCH_WASM): bench/sched/schedbench.c sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(BENCH_WASM_CC) --target=wasm32-wasi -O2 -Wall -Wextra -Werror -I. $< -o $@

.PHONY: bench-sched
bench-sched: $(SCHED_BENCH_WASM) build/release/lunatic
	@python3 bench/sched/run.py --lunatic build/release/lunatic \
	  --wasm $(SCHED_BENCH_WASM) --out $(BENCH_OUT)/sched --runs $(BENCH_RUNS) \
	  $(if $(BENCH_QUICK),--quick)
# }=====

include mk/grow.mk

# {===== networking benchmark: examples/http against Go's net/http hello
# server (bench/net/hello.go) under wrk -t2 -c64 -d10s, in one run
# (`make bench-net`, also at the end of `make bench`). Installs wrk and
# golang-go with apt-get when they are missing.
.PHONY: bench-net
bench-net:
	@command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
	@command -v go >/dev/null || apt-get install -y -q golang-go >/dev/null
	@$(MAKE) --no-print-directory VARIANT=release build/release/lunatic \
	    build/release/wasm/http.wasm
	@mkdir -p $(BENCH_OUT)/net
	cd bench/net && GOCACHE=$(abspath $(BENCH_OUT))/net/gocache go build \
	    -o $(abspath $(BENCH_OUT))/net/hello hello.go
	@sh bench/net/run.sh build/release/lunatic build/release/wasm/http.wasm \
	    $(BENCH_OUT)/net/hello

# The two I/O integrations (LUNATIC_POLLER=thread|worker) side by side,
# alternating, POLLER_ROUNDS times: wrk on examples/http (and Go's), the
# pingpong and lateness rows of bench/sched, CPU with POLLER_IDLE idle
# connections (`make bench-poller`, ~4 min per round).
POLLER_ROUNDS ?= 3
POLLER_IDLE ?= 10000
.PHONY: bench-poller
bench-poller: $(SCHED_BENCH_WASM)
	@command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
	@command -v go >/dev/null || apt-get install -y -q golang-go >/dev/null
	@$(MAKE) --no-print-directory VARIANT=release build/release/lunatic \
	    build/release/wasm/http.wasm build/release/wasm/net/echo.wasm
	@mkdir -p $(BENCH_OUT)/net
	cd bench/net && GOCACHE=$(abspath $(BENCH_OUT))/net/gocache go build \
	    -o $(abspath $(BENCH_OUT))/net/hello hello.go
	@python3 bench/net/poller.py build/release/lunatic \
	    build/release/wasm/http.wasm $(BENCH_OUT)/net/hello \
	    $(SCHED_BENCH_WASM) build/release/wasm/net/echo.wasm \
	    $(POLLER_ROUNDS) $(POLLER_IDLE)
# }=====

# {===== guests, end-to-end tests, and the test entry points
#   make test        everything once per variant: test-core for release, then
#                    test-asan (the same under ASan+UBSan)
#   make test-core   build all, then unit, spec, e2e (and fuzz-replay once
#                    tests/fuzz/replay.c exists) for $(VARIANT)
#   make e2e         tests/e2e/run.sh: `lunatic` on the example guests and the
#                    tests/e2e/*.wat fixtures
# Guests: examples/<name>/<name>.c -> $(B)/wasm/<name>.wasm with clang
# --target=wasm32-wasi. Debian's clang finds wasi-libc (package wasi-libc) and
# the wasm32 compiler-rt builtins (libclang-rt-14-dev-wasm32) by itself; set
# WASI_SYSROOT for another layout (e.g. wasi-sdk's share/wasi-sysroot).
WASM_CC ?= clang
WASI_SYSROOT ?=
WASM_CFLAGS := --target=wasm32-wasi -O2 -Wall -Wextra -Werror \
               $(if $(WASI_SYSROOT),--sysroot=$(WASI_SYSROOT))
WAT2WASM ?= wat2wasm
GUESTS := hello
GUEST_WASM := $(GUESTS:%=$(B)/wasm/%.wasm)
E2E_WAT := $(wildcard tests/e2e/*.wat)
E2E_WASM := $(E2E_WAT:tests/e2e/%.wat=$(B)/wasm/e2e/%.wasm)
FUZZ_REPLAY := $(if $(wildcard tests/fuzz/replay.c),fuzz-replay)

.PHONY: guests e2e test-core
all: guests
guests: $(GUEST_WASM) $(B)/wasm/fib.wasm

define guest_rule
$(B)/wasm/$(1).wasm: examples/$(1)/$(1).c
	@mkdir -p $$(dir $$@)
	$$(WASM_CC) $$(WASM_CFLAGS) $$< -o $$@
endef
$(foreach g,$(GUESTS),$(eval $(call guest_rule,$(g))))

$(B)/wasm/fib.wasm: examples/embed/fib.wat
	@mkdir -p $(dir $@)
	$(WAT2WASM) $< -o $@

$(B)/wasm/e2e/%.wasm: tests/e2e/%.wat
	@mkdir -p $(dir $@)
	$(WAT2WASM) $< -o $@

e2e: $(B)/lunatic $(GUEST_WASM) $(E2E_WASM)
	@sh tests/e2e/run.sh $(B)/lunatic $(B)/wasm

# {===== process guests: examples using sdk/lunatic.h and the scheduler's
# end-to-end guests tests/sched/*.c, run by tests/sched/run.sh (`make
# sched-e2e`). SCHED_SCALE (percent) sizes the stress tests; every variant,
# ASan+LSan included, runs them in full (100,000 spawns, 10,000 crashes).
SCHED_EXAMPLES := pingpong ring supervisor http chat
SCHED_TESTS := $(patsubst tests/sched/%.c,%,$(wildcard tests/sched/*.c))
SCHED_GUEST_WASM := $(SCHED_EXAMPLES:%=$(B)/wasm/%.wasm) \
                    $(SCHED_TESTS:%=$(B)/wasm/sched/%.wasm)
SCHED_SCALE ?= 100
# The fixture importing every lunatic function lives in ../shared (beside
# the spec suite); without it that one test says so and is skipped.
ALL_IMPORTS_WAT := $(wildcard $(dir $(SPEC_DIR))fixtures/lunatic_all_imports.wat)
ALL_IMPORTS_WASM := $(if $(ALL_IMPORTS_WAT),$(B)/wasm/sched/all_imports.wasm)

define sched_example_rule
$(B)/wasm/$(1).wasm: examples/$(1)/$(1).c sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $$(dir $$@)
	$$(WASM_CC) $$(WASM_CFLAGS) -I. $$< -o $$@
endef
$(foreach g,$(SCHED_EXAMPLES),$(eval $(call sched_example_rule,$(g))))

# -msimd128: proc_tests spawns a function with a v128 parameter.
$(B)/wasm/sched/%.wasm: tests/sched/%.c tests/sched/check.h sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -msimd128 -I. $< -o $@

$(B)/wasm/sched/all_imports.wasm: $(ALL_IMPORTS_WAT)
	@mkdir -p $(dir $@)
	$(WAT2WASM) $< -o $@

.PHONY: sched-e2e
guests: $(SCHED_GUEST_WASM)
sched-e2e: $(B)/lunatic $(SCHED_GUEST_WASM) $(ALL_IMPORTS_WASM)
	@SCHED_SCALE=$(SCHED_SCALE) sh tests/sched/run.sh $(B)/lunatic $(B)/wasm \
	    "$(ALL_IMPORTS_WASM)"
# }=====

# {===== networking end-to-end tests: tests/net/*.c guests (echo server,
# net_tests) built into $(B)/wasm/net/, run with the chat and http
# examples by tests/net/run.sh (`make net-e2e`). NET_CONNS / NET_BURST /
# NET_IDLE size the echo, hostile-and-churn and idle-connection tests; the
# ASan variant uses fewer, and only reports the churn test's RSS
# (NET_CHECK_RSS=0: ASan's quarantine keeps freed memory; LSan checks).
NET_TEST_WASM := $(patsubst tests/net/%.c,$(B)/wasm/net/%.wasm,$(wildcard tests/net/*.c))
NET_CONNS ?= $(if $(filter asan,$(VARIANT)),200,500)
NET_BURST ?= $(if $(filter asan,$(VARIANT)),1000,2000)
NET_IDLE ?= $(if $(filter asan,$(VARIANT)),2000,10000)
NET_CHECK_RSS ?= $(if $(filter asan,$(VARIANT)),0,1)

$(B)/wasm/net/%.wasm: tests/net/%.c tests/sched/check.h sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. $< -o $@

.PHONY: net-e2e
guests: $(NET_TEST_WASM)
net-e2e: $(B)/lunatic $(NET_TEST_WASM) $(B)/wasm/chat.wasm $(B)/wasm/http.wasm
	@NET_CONNS=$(NET_CONNS) NET_BURST=$(NET_BURST) NET_IDLE=$(NET_IDLE) \
	    NET_CHECK_RSS=$(NET_CHECK_RSS) sh tests/net/run.sh \
	    $(B)/lunatic $(B)/wasm

# The same suite with an idle worker waiting in the I/O poller instead of
# the poller thread (LUNATIC_POLLER=worker; README "Networking"): run by
# make test on the release build.
.PHONY: net-e2e-worker
net-e2e-worker:
	LUNATIC_POLLER=worker $(MAKE) --no-print-directory net-e2e
# }=====

# {===== WASI end-to-end tests: the C guests of tests/wasi/guests/ built
# with clang --target=wasm32-wasi into $(B)/wasm/wasi/, run by
# tests/wasi/run.sh in a fresh temp dir preopened as /sb (the escape guest
# once per path resolver)
WASI_GUEST_SRC := $(wildcard tests/wasi/guests/*.c)
WASI_GUEST_WASM := $(WASI_GUEST_SRC:tests/wasi/guests/%.c=$(B)/wasm/wasi/%.wasm)

.PHONY: wasi-guests wasi-e2e
wasi-guests: $(WASI_GUEST_WASM)

$(B)/wasm/wasi/%.wasm: tests/wasi/guests/%.c tests/wasi/guests/check.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) $< -o $@

wasi-e2e: $(B)/lunatic $(WASI_GUEST_WASM)
	@sh tests/wasi/run.sh $(B)/lunatic $(B)/wasm/wasi
# }=====

include mk/lunatic_rs.mk
include mk/perms.mk
include mk/exhaust.mk

# Steps run one after another (each may use -j inside), so a failure names
# its step and the output of the steps does not interleave.
test-core:
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) spec
	$(MAKE) e2e
	$(MAKE) wasi-e2e
	$(MAKE) sched-e2e
	$(MAKE) sandbox-e2e
	$(MAKE) perms-e2e
	$(MAKE) net-e2e
	$(MAKE) exhaust-e2e
	$(if $(filter release,$(VARIANT)),$(MAKE) net-e2e-worker)
	$(if $(filter release,$(VARIANT)),$(MAKE) fuzz-diff)
	$(if $(FUZZ_REPLAY),$(MAKE) $(FUZZ_REPLAY))
	$(MAKE) cargo-e2e
	$(if $(filter release,$(VARIANT)),$(MAKE) test-lunatic-rs)
	$(MAKE) test-nofusion
	$(MAKE) test-real
	$(MAKE) abi-fuzz

# The spec suite and the guest tests again on the plain register-threaded
# code (LUNATIC_NO_FUSION=1: no superinstruction is selected), so a result
# that differs between the two is pinned to the fuser at once.
test-nofusion:
	LUNATIC_NO_FUSION=1 $(MAKE) spec e2e wasi-e2e sched-e2e

# The interpreter built without its superinstructions (-DVM_NO_FUSION:
# vm/super_list.h compiles to nothing) still passes the spec suite.
test-nofusion-build:
	$(MAKE) VARIANT=nofusion $(if $(wildcard $(SPEC_DIR)),spec,build/nofusion/spectest)

test-asan:
	$(MAKE) VARIANT=asan test-core

# The tree must build warning-free with clang too (-Werror); the spec suite
# checks the clang-built interpreter, which the compiler shapes the most.
# -gdwarf-4: valgrind 3.19 cannot read clang 14's default DWARF 5.
test-clang:
	$(MAKE) VARIANT=clang CC=clang CFLAGS=-gdwarf-4 all
	$(MAKE) VARIANT=clang CC=clang CFLAGS=-gdwarf-4 spec

# Include rules between modules and self-contained headers (STYLE.md
# sections 1 and 2): seconds, so they run first.
check-static: check-sched-deps
	@sh tools/check_layers.sh
	@sh tools/check_headers.sh $(CC) $(WASM_CC)

test:
	$(MAKE) check-static
	$(MAKE) test-core
	$(MAKE) test-asan
	$(MAKE) test-clang
	$(MAKE) test-nofusion-build

check: test
# }=====

include mk/fuzzdiff.mk
include mk/sandbox.mk
include mk/abifuzz.mk

# {===== fuzzing
#   make fuzz         libFuzzer binaries (clang) in build/fuzz/, e.g.
#                     build/fuzz/fuzz_exec build/$(VARIANT)/fuzz-corpus
#   make fuzz-seeds   a seed corpus in $(B)/fuzz-corpus: the .wasm files that
#                     wast2json makes from the spec suite (the cache of
#                     `make spec` in $(B)/spec, filled here if missing);
#                     no binaries are committed
#   make fuzz-replay  replay.c + fuzz_exec.c built with the normal toolchain,
#                     run over the seeds and tests/fuzz/corpus/exec (if any)
FUZZ_CC ?= clang
FUZZ_CFLAGS := $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all -fno-omit-frame-pointer -I.
FUZZ_TARGETS := exec
FUZZ_CORPUS := $(B)/fuzz-corpus

.PHONY: fuzz-seeds fuzz-replay
fuzz: $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(VM_SRC) $(COMMON_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@ -lm

define fuzz_replay_rule
$(B)/fuzz_replay_$(1): $(call obj,tests/fuzz/replay.c tests/fuzz/fuzz_$(1).c) $(LIBVM)
	$$(CC) $$(ALL_CFLAGS) $$^ -o $$@ $$(ALL_LDFLAGS) -lm
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_replay_rule,$(t))))

fuzz-seeds:
	@if [ ! -d "$(SPEC_DIR)" ]; then \
	  echo "fuzz-seeds: skipped: $(SPEC_DIR) not found"; exit 0; fi; \
	command -v wast2json >/dev/null || \
	  { echo "fuzz-seeds: wast2json not found (make deps)"; exit 2; }; \
	for w in $(SPEC_DIR)/*.wast $(SPEC_DIR)/simd/*.wast; do \
	  n=$$(basename $$w .wast); d=$(B)/spec/$$n; \
	  case $$w in */simd/*) d=$(B)/spec/simd/$$n;; esac; \
	  if [ -f $(SPEC_DIR)/compat/$$n.wast ]; then w=$(SPEC_DIR)/compat/$$n.wast; fi; \
	  if [ ! -f $$d/$$n.json ]; then mkdir -p $$d && \
	    wast2json $$w -o $$d/$$n.json >$$d/wast2json.log 2>&1 || exit 1; fi; \
	done; \
	rm -rf $(FUZZ_CORPUS) && mkdir -p $(FUZZ_CORPUS) && \
	find $(B)/spec -mindepth 2 -maxdepth 3 -name '*.wasm' \
	  -exec cp -f -t $(FUZZ_CORPUS) {} +; \
	echo "fuzz-seeds: $$(ls $(FUZZ_CORPUS) | wc -l) seeds in $(FUZZ_CORPUS)"

fuzz-replay: fuzz-seeds $(FUZZ_TARGETS:%=$(B)/fuzz_replay_%)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  dirs=; for d in $(FUZZ_CORPUS) tests/fuzz/corpus/$$t; do \
	    if [ -d $$d ]; then dirs="$$dirs $$d"; fi; done; \
	  if [ -z "$$dirs" ]; then echo "fuzz_$$t: skipped: no corpus"; continue; fi; \
	  echo "== fuzz_$$t"; $(B)/fuzz_replay_$$t $$dirs; done
# }=====
