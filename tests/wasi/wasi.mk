# tests/wasi/wasi.mk (included by the Makefile):
# {===== WASI end-to-end tests: the C guests of tests/wasi/guests/ built
# with clang --target=wasm32-wasi into $(B)/wasm/wasi/, run by
# tests/wasi/run.sh in a fresh temp dir preopened as /sb (the escape guest
# once per path resolver)
WASI_GUEST_SRC := $(wildcard tests/wasi/guests/*.c)
WASI_GUEST_WASM := $(WASI_GUEST_SRC:tests/wasi/guests/%.c=$(B)/wasm/wasi/%.wasm)

.PHONY: wasi-guests wasi-e2e
wasi-guests: $(WASI_GUEST_WASM)

$(B)/wasm/wasi/%.wasm: tests/wasi/guests/%.c tests/wasi/guests/check.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) $< -o $@

wasi-e2e: $(B)/lunatic $(WASI_GUEST_WASM)
	@sh tests/wasi/run.sh $(B)/lunatic $(B)/wasm/wasi
# }=====
