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
# vm/ as a compiler without GNU C gets it: the switch dispatch of vm/exec.c
# (-DVM_NO_COMPUTED_GOTO) and every other ISO C fallback (-DVM_STRICT_C).
CFLAGS_portable := -O2 -g -DVM_NO_COMPUTED_GOTO -DVM_STRICT_C
# The interpreter without SIMD: modules using v128 are refused at load
# (vm_features()); the spec runner skips the simd/ files.
CFLAGS_nosimd := -O2 -g -DVM_NO_SIMD
# Built for size (tools/vm_size.sh): everything, with the superinstructions
# no benchmark needs left out (vm/super_list.h); and the smallest one.
CFLAGS_small := -Os -g
CFLAGS_minimal := -Os -g -DVM_NO_SIMD -DVM_NO_FUSION
CFLAGS ?=
ALL_CFLAGS := $(WARN) $(CFLAGS_$(VARIANT)) $(CFLAGS) -I.
LDFLAGS_asan := -fsanitize=address,undefined
ALL_LDFLAGS := $(LDFLAGS_$(VARIANT)) $(LDFLAGS)

# common/lun_lock.c (checked pthread locks) goes into libnet.a, the lowest
# layer that uses threads: vm/ uses none. So does common/lun_pool.c
# (per-thread block caches, for WASI contexts and, installed by the
# runtime as vm/'s allocator, instances): libvm.a stays free of both.
LOCK_SRC := common/lun_lock.c
POOL_SRC := common/lun_pool.c
COMMON_SRC := $(filter-out $(LOCK_SRC) $(POOL_SRC),$(wildcard common/*.c))
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
NET_SRC := $(filter-out net/poll_%.c,$(wildcard net/*.c)) $(LOCK_SRC) $(POOL_SRC)
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

# {===== dist/: links between nodes (libdist.a): the frame format and its
# decoder, one link's state machine over a byte stream (plain TCP or
# mutual TLS), the dist thread driving every link on net/'s poller, and
# the node (membership over those links; needs $(NET_LIBS): mbedtls). It sits above net/ (and may use sched/'s public headers);
# programs linking it also link libnet.a and libvm.a (vm/vm_endian.h's
# helpers are inline, common/lun_err.c comes with libvm.a).
DIST_SRC := $(wildcard dist/*.c)
LIBDIST := $(B)/libdist.a

$(LIBDIST): $(call obj,$(DIST_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/tests/dist/%: tests/unit/dist/%.c tests/unit/dist/dist_pair.h $(LIBDIST) \
                   $(LIBNET) $(LIBVM)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLUN_TESTING $(filter %.c %.a,$^) -o $@ \
	    $(ALL_LDFLAGS) -lcriterion $(NET_LIBS)
# The cluster (dist/cluster.c) is the runtime's sched_node_t: its test
# links the runtime too.
$(B)/tests/dist/test_cluster: tests/unit/dist/test_cluster.c \
                              tests/unit/dist/dist_pair.h $(LIBDIST) \
                              $(LIBHOST) $(LIBSCHED) $(LIBWASI) $(LIBFS) \
                              $(LIBNET) $(LIBVM)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLUN_TESTING $(filter %.c %.a,$^) -o $@ \
	    $(ALL_LDFLAGS) -lcriterion $(HOST_LIBS) $(SCHED_LIBS) $(NET_LIBS) -lm
# }=====

.PHONY: all test unit spec test-asan test-clang test-nofusion test-nofusion-build check \
        check-static deps clean bench fuzz
all: $(B)/lunatic $(B)/spectest $(B)/embed_example $(B)/vmdump $(LIBDIST)

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

$(B)/lunatic: $(call obj,tools/lunatic.c tools/cargo_test.c tools/cargo_init.c tools/cert_cli.c tools/node_cli.c tools/reload_cli.c tools/metrics_http.c tools/top.c tools/args.c) $(LIBHOST) $(LIBDIST) $(LIBSCHED) $(LIBWASI) $(LIBFS) $(LIBNET) $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) $(HOST_LIBS) $(SCHED_LIBS) $(NET_LIBS) -lm

$(B)/spectest: $(call obj,tools/spectest.c tools/spectest_host.c tools/json.c) \
                $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) -lm

$(B)/vmdump: $(call obj,tools/vmdump.c) $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) -lm

$(B)/embed_example: $(call obj,examples/embed/embed.c) $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) -lm

# The same program with a malloc, calloc, realloc and free that abort:
# `make embed-check` runs it, proving the interpreter takes every byte from
# the example's static arena. (Not under ASan, whose runtime allocates.)
$(B)/embed_example_nomalloc: $(call obj,examples/embed/embed.c examples/embed/no_malloc.c) $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) -lm

.PHONY: embed-check
embed-check: $(B)/embed_example_nomalloc $(B)/wasm/fib.wasm
	@$(B)/embed_example_nomalloc $(B)/wasm/fib.wasm 25 | tee $(B)/embed-check.out
	@grep -q '^fib(25) = 75025$$' $(B)/embed-check.out
	@echo "embed-check: ok (no malloc, calloc, realloc or free called)"

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
include tests/unit/sched/linmem_copy.mk
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

include bench/bench.mk

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
	$(WAT2WASM) --debug-names $< -o $@

e2e: $(B)/lunatic $(GUEST_WASM) $(E2E_WASM)
	@sh tests/e2e/run.sh $(B)/lunatic $(B)/wasm

include tests/sched/sched.mk
include tests/reload/reload.mk

include tests/net/net.mk

include tests/wasi/wasi.mk

include tests/lunatic_rs/lunatic_rs.mk
include tests/nodes/nodes.mk
include tests/perms/perms.mk
include tests/cert/cert.mk
include tests/exhaust/exhaust.mk
include tests/ops/ops.mk

# The steps of test-core for variant $(1), in order. tools/test_steps.sh
# runs them one after another, each a sub-make (which may use -j inside), so
# a failure names its step and the output of the steps does not interleave;
# a failed step does not stop the next ones, and the run ends with one line
# per step and "N passed, M failed" (status 1 if any failed).
# The node suites come after test-lunatic-rs: nodes-traffic-e2e runs its
# `distributed` example across nodes once it is built.
core_steps = all unit spec e2e wasi-e2e sched-e2e sandbox-e2e perms-e2e \
    cert-e2e net-e2e exhaust-e2e reload-e2e ops-e2e \
    $(if $(filter release,$(1)),net-e2e-worker fuzz-diff) \
    $(FUZZ_REPLAY) cargo-e2e $(if $(filter release,$(1)),test-lunatic-rs) \
    nodes-e2e nodes-traffic-e2e nodes-links-e2e nodes-faults-e2e \
    nodes-cluster-e2e test-nofusion test-real abi-fuzz
# the same, each step made with VARIANT=$(1)
variant_steps = $(foreach s,$(call core_steps,$(1)),VARIANT=$(1):$(s))


include tests/embed/embed.mk

test-core:
	@sh tools/test_steps.sh "$(MAKE)" $(call core_steps,$(VARIANT))

# The spec suite and the guest tests again on the plain paths: the plain
# register-threaded code (LUNATIC_NO_FUSION=1: no superinstruction is
# selected) and data segments applied one by one at instantiation
# (LUNATIC_NO_IMAGE=1: no image, no lazy memory), so a result that differs
# between the two is pinned to the fuser or the image at once.
test-nofusion:
	LUNATIC_NO_FUSION=1 LUNATIC_NO_IMAGE=1 $(MAKE) spec e2e wasi-e2e sched-e2e

# The interpreter built without its superinstructions (-DVM_NO_FUSION:
# vm/super_list.h compiles to nothing) still passes the spec suite.
NOFUSION_BUILD_STEP := VARIANT=nofusion:$(if $(wildcard $(SPEC_DIR)),spec,build/nofusion/spectest)
test-nofusion-build:
	@sh tools/test_steps.sh "$(MAKE)" $(NOFUSION_BUILD_STEP)

test-asan:
	@sh tools/test_steps.sh "$(MAKE)" $(call variant_steps,asan)

# The tree must build warning-free with clang too (-Werror); the spec suite
# checks the clang-built interpreter, which the compiler shapes the most.
# -gdwarf-4: valgrind 3.19 cannot read clang 14's default DWARF 5.
CLANG_STEPS := VARIANT=clang,CC=clang,CFLAGS=-gdwarf-4:all \
               VARIANT=clang,CC=clang,CFLAGS=-gdwarf-4:spec
test-clang:
	@sh tools/test_steps.sh "$(MAKE)" $(CLANG_STEPS)

# Include rules between modules and self-contained headers (STYLE.md
# sections 1 and 2): seconds, so they run first.
check-static: check-sched-deps
	@sh tools/check_layers.sh
	@sh tools/check_headers.sh $(CC) $(WASM_CC)

# Everything, as one list of steps (so the summary covers all of them):
# check-static, test-core, test-asan, test-clang, test-nofusion-build,
# the portable-dispatch spec run, embed-check and check-embed.
TEST_STEPS = check-static $(call core_steps,$(VARIANT)) \
    $(call variant_steps,asan) $(CLANG_STEPS) $(NOFUSION_BUILD_STEP) \
    VARIANT=portable:spec embed-check check-embed
test:
	@sh tools/test_steps.sh "$(MAKE)" $(TEST_STEPS)

check: test
# }=====

include tests/fuzzdiff/fuzzdiff.mk
include tests/sandbox/sandbox.mk
include tests/abifuzz/abifuzz.mk

include tests/fuzz/fuzz.mk
