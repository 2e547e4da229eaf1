# tests/net/net.mk (included by the Makefile):
# {===== networking end-to-end tests: tests/net/*.c guests (echo server,
# net_tests) built into $(B)/wasm/net/, run with the chat and http
# examples by tests/net/run.sh (`make net-e2e`). NET_CONNS / NET_BURST /
# NET_IDLE size the echo, hostile-and-churn and idle-connection tests; the
# ASan variant uses fewer, and only reports the churn test's RSS
# (NET_CHECK_RSS=0: ASan's quarantine keeps freed memory; LSan checks).
NET_TEST_WASM := $(patsubst tests/net/%.c,$(B)/wasm/net/%.wasm,$(wildcard tests/net/*.c))
NET_CONNS ?= $(if $(filter asan,$(VARIANT)),200,500)
NET_BURST ?= $(if $(filter asan,$(VARIANT)),1000,2000)
NET_IDLE ?= $(if $(filter asan,$(VARIANT)),2000,10000)
NET_CHECK_RSS ?= $(if $(filter asan,$(VARIANT)),0,1)

$(B)/wasm/net/%.wasm: tests/net/%.c tests/sched/check.h sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. $< -o $@

.PHONY: net-e2e
guests: $(NET_TEST_WASM)
net-e2e: $(B)/lunatic $(NET_TEST_WASM) $(B)/wasm/chat.wasm $(B)/wasm/http.wasm
	@NET_CONNS=$(NET_CONNS) NET_BURST=$(NET_BURST) NET_IDLE=$(NET_IDLE) \
	    NET_CHECK_RSS=$(NET_CHECK_RSS) sh tests/net/run.sh \
	    $(B)/lunatic $(B)/wasm

# The same suite with an idle worker waiting in the I/O poller instead of
# the poller thread (LUNATIC_POLLER=worker; docs/networking.md): run by
# make test on the release build.
.PHONY: net-e2e-worker
net-e2e-worker:
	LUNATIC_POLLER=worker $(MAKE) --no-print-directory net-e2e
# }=====
