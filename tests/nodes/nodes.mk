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

# `make nodes-links-e2e`: links and monitors across nodes for every way a
# process can die, a node killed with SIGKILL and one joining (links.sh).
NODES_LINKS := $(B)/wasm/nodes/links.wasm

$(NODES_LINKS): tests/nodes/links.c sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. $< -o $@

.PHONY: nodes-links-e2e
nodes-links-e2e: $(B)/lunatic $(NODES_LINKS)
	@sh tests/nodes/links.sh $(B)/lunatic $(NODES_LINKS)

# `make nodes-cluster-e2e`: examples/cluster over three nodes, one killed
# with SIGKILL while it holds jobs (cluster.sh).
.PHONY: nodes-cluster-e2e
nodes-cluster-e2e: $(B)/lunatic $(B)/wasm/cluster.wasm
	@sh tests/nodes/cluster.sh $(B)/lunatic $(B)/wasm/cluster.wasm

# `make nodes-faults-e2e` (tests/nodes/faults.sh): joining by DNS name and
# through one member, refused certificates, garbage peers, a stopped node,
# a restarted node; each node its own `lunatic node` process.
NODES_FAULTS := $(B)/wasm/nodes/faults.wasm

$(NODES_FAULTS): tests/nodes/faults.c sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. $< -o $@

.PHONY: nodes-faults-e2e
nodes-faults-e2e: $(B)/lunatic $(NODES_FAULTS)
	@sh tests/nodes/faults.sh $(B)/lunatic $(NODES_FAULTS) tests/nodes/peer.py

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
