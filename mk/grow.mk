# {===== memory.grow benchmark (bench/grow/): a module growing its memory
# one page at a time to 1 GiB, touching each new page, timed on lunatic
# (the scheduler's sched/linmem.c), LUNATIC_NO_SCHED=1 lunatic
# (calloc/realloc) and node, side by side in one table:
#   make bench-grow      (also run at the end of `make bench`)
# Knobs: BENCH_RUNS. Included from the Makefile after the bench settings.
GROW_BENCH_WASM := $(BENCH_OUT)/grow/grow.wasm
$(GROW_BENCH_WASM): bench/grow/grow.wat
	@mkdir -p $(dir $@)
	$(WAT2WASM) $< -o $@

.PHONY: bench-grow
bench-grow: $(GROW_BENCH_WASM) build/release/lunatic
	@python3 bench/grow/run.py --lunatic build/release/lunatic \
	  --wasm $(GROW_BENCH_WASM) --out $(BENCH_OUT)/grow --runs $(BENCH_RUNS)
# }=====

# test_linmem_grow again with linmem.c growing large memories the way
# systems without mremap do (a new mapping and one copy), part of `make
# unit`. linmem.c needs nothing from the rest of the scheduler but the
# checked locks.
LINMEM_COPY_TEST := $(B)/tests/sched/test_linmem_grow_copy
UNIT_BIN += $(LINMEM_COPY_TEST)
unit: $(LINMEM_COPY_TEST)
$(LINMEM_COPY_TEST): tests/unit/sched/test_linmem_grow.c sched/linmem.c \
                     $(LOCK_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLUN_TESTING -DLINMEM_FORCE_COPY $^ -o $@ \
	    $(ALL_LDFLAGS) -lcriterion -pthread
