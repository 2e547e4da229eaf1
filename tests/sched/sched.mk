# tests/sched/sched.mk (included by the Makefile):
# {===== process guests: examples using sdk/lunatic.h and the scheduler's
# end-to-end guests tests/sched/*.c, run by tests/sched/run.sh (`make
# sched-e2e`). SCHED_SCALE (percent) sizes the stress tests; every variant,
# ASan+LSan included, runs them in full (100,000 spawns, 10,000 crashes).
SCHED_EXAMPLES := pingpong ring supervisor http chat cluster
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
