# tests/nodes/nodes.mk: `make nodes-e2e`, three `lunatic node` processes
# on 127.0.0.1 (tests/nodes/run.sh), and `make nodes-traffic-e2e`. Both
# are steps of test-core (free ports, so parallel runs do not collide).
# Included from the Makefile.
NODES_PING := $(B)/wasm/nodes/ping.wasm

$(NODES_PING): tests/nodes/ping.c sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. $< -o $@

.PHONY: nodes-e2e
nodes-e2e: $(B)/lunatic $(NODES_PING)
	@sh tests/nodes/run.sh $(B)/lunatic $(NODES_PING)

# `make nodes-traffic-e2e` (tests/nodes/traffic.sh): 1,000,000 messages in
# order, a 64 MB message while a ping answers, remote spawns and their
# error codes, and the lunatic-rs `distributed` example across three nodes.
NODES_TRAFFIC := $(B)/wasm/nodes/traffic.wasm
LRS_DISTRIBUTED ?= $(LRS_DIR)/target/wasm32-wasi/release/examples/distributed.wasm

$(NODES_TRAFFIC): tests/nodes/traffic.c sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. $< -o $@

# the message count (1,000,000 takes ~2 s, ~6 s under ASan)
TRAFFIC_COUNT ?= 1000000

.PHONY: nodes-traffic-e2e
nodes-traffic-e2e: $(B)/lunatic $(NODES_TRAFFIC)
	@TRAFFIC_COUNT=$(TRAFFIC_COUNT) sh tests/nodes/traffic.sh $(B)/lunatic \
	    $(NODES_TRAFFIC) $(LRS_DISTRIBUTED)
