# {===== permissions only narrow (docs/processes.md "Permissions"): tests/perms/perms.c
# run by tests/perms/run.sh as the root and as limited children, under
# both path resolvers (`make perms-e2e`, part of test-core, so it runs in
# the release and ASan variants). Included from the Makefile.
PERMS_WASM := $(B)/wasm/perms/perms.wasm

$(PERMS_WASM): tests/perms/perms.c tests/sched/check.h sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. $< -o $@

.PHONY: perms-e2e
guests: $(PERMS_WASM)
perms-e2e: $(B)/lunatic $(PERMS_WASM)
	@sh tests/perms/run.sh $(B)/lunatic $(PERMS_WASM)
# }=====
