# tests/ops/ops.mk (included by the Makefile): `make ops-e2e`, the
# operations suite: the metrics endpoint scraped by a real Prometheus
# (prometheus.sh; skipped in one line without Debian's prometheus),
# `lunatic top` driven under tmux (top.sh), crash reports and their rate
# limit (crash.sh), `lunatic node --metrics` (node.sh). Its guest is
# tests/ops/worker.c.
# Compiled with -O2, linked without it: with -O2 clang runs wasm-opt at the
# link, which drops the name section the crash reports' backtraces use.
$(B)/wasm/ops/%.wasm: tests/ops/%.c sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. -c $< -o $@.o
	$(WASM_CC) --target=wasm32-wasi $(if $(WASI_SYSROOT),--sysroot=$(WASI_SYSROOT)) $@.o -o $@
	@rm -f $@.o

.PHONY: ops-e2e
ops-e2e: $(B)/lunatic $(B)/wasm/ops/worker.wasm $(B)/wasm/cluster.wasm
	@sh tests/ops/crash.sh $(B)/lunatic $(B)/wasm/ops/worker.wasm
	@sh tests/ops/prometheus.sh $(B)/lunatic $(B)/wasm/ops/worker.wasm
	@sh tests/ops/top.sh $(B)/lunatic $(B)/wasm/ops/worker.wasm
	@sh tests/ops/node.sh $(B)/lunatic $(B)/wasm/cluster.wasm
