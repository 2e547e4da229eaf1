# bench/bench.mk (included by the Makefile): the benchmarks, `make bench`
# and its parts. Every variable and rule here is about benchmarks only;
# the programs under test are built by the Makefile's own rules.

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
#   make bench-selftest  quick smoke test of the runner (< 30 s; bench/real's too)
#   make bench-real      the real-program table (its own section below)
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
	@$(if $(BENCH_NO_REAL),:,$(MAKE) --no-print-directory bench-real)
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

# {===== real-program benchmarks (bench/real/): a workload per program of the
# real-program corpus (tests/real/: Lua, SQLite, mujs, minigzip, bzip2) on native,
# lunatic, node and every BENCH_ENGINES entry (wasm3: "wasm3=/path/to/wasm3"), one
# table with issue 20's targets (geomean lunatic/native <= 5x, lunatic >= 2x faster
# than wasm3); outputs checked against native's:
#   make bench-real      (also run after the kernels by `make bench`; 4-7 min with
#                        wasm3, most of it the two interpreters)
# The corpus (build/real) is built by real.mk's real-build when a binary is missing.
# Knobs: BENCH_QUICK=1, BENCH_RUNS, BENCH_TIMEOUT (per step), BENCH_ENGINES, BENCH_ONLY,
# BENCH_LUNATIC, BENCH_REAL_PROGS="lua sqlite3" (restrict rows); BENCH_NO_REAL=1 leaves
# it out of `make bench` (bench-selftest does: the corpus takes ~10 min to build).
BENCH_REAL_PROGS ?=
BENCH_REAL_MISSING = $(filter-out $(wildcard $(REAL_BINS)),$(REAL_BINS))

.PHONY: bench-real
bench-real:
	@if [ -n "$(BENCH_REAL_MISSING)" ]; then $(MAKE) --no-print-directory -j2 real-build; fi
	@$(if $(BENCH_SELF_BUILD),$(MAKE) --no-print-directory VARIANT=bench $(BENCH_VDIR)/lunatic,:)
	@python3 bench/real/run.py --real $(REAL) --out $(BENCH_OUT)/real --runs $(BENCH_RUNS) \
	  --timeout $(BENCH_TIMEOUT) --lunatic "$(BENCH_LUNATIC)" --engines "$(BENCH_ENGINES)" \
	  --only "$(BENCH_ONLY)" $(if $(BENCH_REAL_PROGS),--progs "$(BENCH_REAL_PROGS)") \
	  $(if $(BENCH_QUICK),--quick)
# }=====

# {===== scheduling benchmarks (bench/sched/): one C guest, the same in Erlang
# and Go (run when erl / go are installed), side by side in one table:
#   make bench-sched     (also run at the end of `make bench`)
# Knobs: BENCH_QUICK=1 (small sizes), BENCH_RUNS, BENCH_LUNATIC_FLAGS (e.g.
# "--metrics 127.0.0.1:9100"), BENCH_LUNATIC_ONLY=1 (no erl, go).
SCHED_BENCH_WASM := $(BENCH_OUT)/wasm/schedbench.wasm
$(SCHED_BENCH_WASM): bench/sched/schedbench.c sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(BENCH_WASM_CC) --target=wasm32-wasi -O2 -Wall -Wextra -Werror -I. $< -o $@

.PHONY: bench-sched
bench-sched: $(SCHED_BENCH_WASM) build/release/lunatic
	@python3 bench/sched/run.py --lunatic build/release/lunatic \
	  --wasm $(SCHED_BENCH_WASM) --out $(BENCH_OUT)/sched --runs $(BENCH_RUNS) \
	  $(if $(BENCH_QUICK),--quick) \
	  $(if $(BENCH_LUNATIC_FLAGS),--lunatic-flags "$(BENCH_LUNATIC_FLAGS)") \
	  $(if $(BENCH_LUNATIC_ONLY),--lunatic-only)
# }=====

# {===== memory.grow benchmark (bench/grow/): a module growing its memory
# one page at a time to 1 GiB, touching each new page, timed on lunatic
# (the scheduler's sched/linmem.c), LUNATIC_NO_SCHED=1 lunatic
# (calloc/realloc) and node, side by side in one table:
#   make bench-grow      (also run at the end of `make bench`)
# Knobs: BENCH_RUNS.
GROW_BENCH_WASM := $(BENCH_OUT)/grow/grow.wasm
$(GROW_BENCH_WASM): bench/grow/grow.wat
	@mkdir -p $(dir $@)
	$(WAT2WASM) $< -o $@

.PHONY: bench-grow
bench-grow: $(GROW_BENCH_WASM) build/release/lunatic
	@python3 bench/grow/run.py --lunatic build/release/lunatic \
	  --wasm $(GROW_BENCH_WASM) --out $(BENCH_OUT)/grow --runs $(BENCH_RUNS)
# }=====

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

# {===== distribution benchmarks (bench/dist/): two `lunatic node`
# processes over mutual TLS (certificates by `lunatic cert`) beside two
# Erlang/OTP nodes over TLS (inet_tls, the same CA) and over TCP, in one
# table (erl is optional: without it, the lunatic column only):
#   make bench-dist      (~4 min; BENCH_QUICK=1: ~2.5 min)
# Knobs: BENCH_QUICK=1, BENCH_RUNS, BENCH_DIST_SLOW=1 (also measure how
# long Erlang takes to declare a hung node dead: 45-75 s per run).
DIST_BENCH_WASM := $(BENCH_OUT)/wasm/distbench.wasm
$(DIST_BENCH_WASM): bench/dist/distbench.c sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(BENCH_WASM_CC) --target=wasm32-wasi -O2 -Wall -Wextra -Werror -I. $< -o $@

.PHONY: bench-dist
bench-dist: $(DIST_BENCH_WASM)
	@$(MAKE) --no-print-directory VARIANT=release build/release/lunatic
	@python3 bench/dist/run.py --lunatic build/release/lunatic \
	  --wasm $(DIST_BENCH_WASM) --out $(BENCH_OUT)/dist --runs $(BENCH_RUNS) \
	  $(if $(BENCH_QUICK),--quick) $(if $(BENCH_DIST_SLOW),--slow)
# }=====
