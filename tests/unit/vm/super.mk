# super.mk (included by the Makefile): the module of test_super.c, written
# from vm/super_list.h by gen_super.py at build time, so that a new row of
# the table is tested (or the test fails naming it) without a step by hand.
SUPER_WAT := $(B)/fixtures/super.wat

$(SUPER_WAT): tests/unit/vm/gen_super.py vm/super_list.h
	@mkdir -p $(dir $@)
	python3 tests/unit/vm/gen_super.py vm/super_list.h $@

# (the generic %.wasm rule finds its .wat through vpath, not in $(B))
$(B)/fixtures/super.wasm: $(SUPER_WAT)
	wat2wasm --debug-names $< -o $@

# order-only: the test reads the module at run time
$(B)/tests/vm/test_super: | $(B)/fixtures/super.wasm
