# tests/reload/reload.mk (included by the Makefile): hot code reloading
# (docs/reload.md). The test guest tests/reload/app.c is built as several
# versions; so is examples/reload (v1, v2). `make reload-e2e` runs
# tests/reload/run.sh. RELOAD_PROCS sizes the mass upgrade (100,000: about
# 1.9 GB of RSS, 2.4 GB under ASan).
RELOAD_W := $(B)/wasm/reload
RELOAD_WASM := $(RELOAD_W)/v1.wasm $(RELOAD_W)/v2.wasm $(RELOAD_W)/trap.wasm \
               $(RELOAD_W)/nohooks.wasm $(RELOAD_W)/unknown_import.wasm \
               $(RELOAD_W)/http_v1.wasm $(RELOAD_W)/http_v2.wasm
RELOAD_PROCS ?= 100000
RELOAD_DEPS := sdk/lunatic.h sdk/lunatic_imports.h

$(RELOAD_W)/v1.wasm: tests/reload/app.c $(RELOAD_DEPS)
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. -DVERSION=1 $< -o $@
$(RELOAD_W)/v2.wasm: tests/reload/app.c $(RELOAD_DEPS)
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. -DVERSION=2 $< -o $@
$(RELOAD_W)/trap.wasm: tests/reload/app.c $(RELOAD_DEPS)
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. -DVERSION=2 -DRESTORE_TRAPS $< -o $@
$(RELOAD_W)/nohooks.wasm: tests/reload/app.c $(RELOAD_DEPS)
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. -DVERSION=2 -DNO_HOOKS $< -o $@
$(RELOAD_W)/unknown_import.wasm: tests/reload/unknown_import.wat
	@mkdir -p $(dir $@)
	$(WAT2WASM) $< -o $@
$(RELOAD_W)/http_v1.wasm: examples/reload/reload.c $(RELOAD_DEPS)
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. -DVERSION=1 $< -o $@
$(RELOAD_W)/http_v2.wasm: examples/reload/reload.c $(RELOAD_DEPS)
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. -DVERSION=2 $< -o $@

.PHONY: reload-e2e
reload-e2e: $(B)/lunatic $(RELOAD_WASM) $(B)/wasm/chat.wasm
	@RELOAD_PROCS=$(RELOAD_PROCS) sh tests/reload/run.sh $(B)/lunatic \
	    $(RELOAD_W) $(B)/wasm/chat.wasm
