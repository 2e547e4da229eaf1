# tests/sandbox/sandbox.mk: `make sandbox-e2e`, the sandbox tests of tests/sandbox/
# (run.sh): attackers through host functions that run guest code or long
# host work, beside a ping server. Part of test-core (release and ASan).
SANDBOX_WASM := $(B)/wasm/sandbox/sandbox.wasm $(B)/wasm/sandbox/start_registry.wasm
# ASan makes every reduction slower: the ping bound scales with it. Its
# allocator also poisons and unpoisons the shadow of every 64 MiB message
# buffer the copying attacker makes, in the malloc and free calls (25 ms
# of CPU in one slice alone, 116 ms beside 7 other attackers), hence the
# far larger bound on the longest slice there.
SANDBOX_P99_US ?= $(if $(filter asan,$(VARIANT)),400000,100000)
SANDBOX_HOLD_US ?= $(if $(filter asan,$(VARIANT)),250000,5000)

$(B)/wasm/sandbox/sandbox.wasm: tests/sandbox/sandbox.c tests/sched/check.h sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -mbulk-memory -I. $< -o $@

# The ABI fuzzer's repros of what it found (tests/abifuzz/repro/), run
# as regression tests.
ABIFUZZ_REPRO_WASM := $(patsubst tests/abifuzz/repro/%.wat,$(B)/wasm/abifuzz-repro/%.wasm,$(wildcard tests/abifuzz/repro/*.wat))

$(B)/wasm/abifuzz-repro/%.wasm: tests/abifuzz/repro/%.wat
	@mkdir -p $(dir $@)
	$(WAT2WASM) $< -o $@

$(B)/wasm/sandbox/start_registry.wasm: tests/sandbox/start_registry.wat
	@mkdir -p $(dir $@)
	$(WAT2WASM) $< -o $@

.PHONY: sandbox-e2e
guests: $(SANDBOX_WASM)
sandbox-e2e: $(B)/lunatic $(SANDBOX_WASM) $(ABIFUZZ_REPRO_WASM)
	@SANDBOX_P99_US=$(SANDBOX_P99_US) SANDBOX_HOLD_US=$(SANDBOX_HOLD_US) \
	    sh tests/sandbox/run.sh $(B)/lunatic \
	    $(B)/wasm/sandbox $(B)/wasm/abifuzz-repro
