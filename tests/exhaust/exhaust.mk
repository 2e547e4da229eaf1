# {===== exhaustion tests (tests/exhaust/): mailbox memory against the
# receiver's limit and the node's cap, the process cap, copies charged as
# reductions, accept at the descriptor limit (`make exhaust-e2e`;
# docs/processes.md "Limits"). The ASan variant reports RSS without checking it (its
# quarantine keeps freed memory).
EXHAUST_WASM := $(patsubst tests/exhaust/%.c,$(B)/wasm/exhaust/%.wasm,$(wildcard tests/exhaust/*.c))
EXHAUST_CHECK_RSS ?= $(if $(filter asan,$(VARIANT)),0,1)

$(B)/wasm/exhaust/%.wasm: tests/exhaust/%.c tests/sched/check.h sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. $< -o $@

.PHONY: exhaust-e2e
guests: $(EXHAUST_WASM)
exhaust-e2e: $(B)/lunatic $(EXHAUST_WASM) $(B)/wasm/http.wasm
	@EXHAUST_CHECK_RSS=$(EXHAUST_CHECK_RSS) python3 tests/exhaust/run.py \
	    $(B)/lunatic $(B)/wasm
# }=====
