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
