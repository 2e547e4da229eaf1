# tests/nodes/nodes.mk: the multi-node suites, each node its own `lunatic
# node` process on 127.0.0.x (free ports, so parallel runs do not
# collide); all are steps of test-core. Their guests are
# tests/nodes/NAME.c; tests/nodes/lib.sh is what the scripts share.
# Included from the Makefile.
#   nodes-e2e          run.sh: remote spawn with the module fetched by
#                      hash, lookup by tag, a wrong CA and a wrong name
#   nodes-links-e2e    links.sh: links and monitors across nodes for
#                      every way a process dies, a node killed with
#                      SIGKILL and one joining
#   nodes-cluster-e2e  cluster.sh: examples/cluster, one node killed
#                      with SIGKILL while it holds jobs
#   nodes-faults-e2e   faults.sh: joining by DNS name and through one
#                      member, refused certificates, garbage peers, a
#                      stopped node, a restarted node
#   nodes-traffic-e2e  traffic.sh: 1,000,000 messages in order, a 64 MB
#                      message while a ping answers, remote spawns and
#                      their codes, the lunatic-rs `distributed` example
NODES_WASM = $(B)/wasm/nodes/$(1).wasm
LRS_DISTRIBUTED ?= $(LRS_DIR)/target/wasm32-wasi/release/examples/distributed.wasm
# the message count of nodes-traffic-e2e (1,000,000: ~2 s, ~6 s under ASan)
TRAFFIC_COUNT ?= 1000000

$(B)/wasm/nodes/%.wasm: tests/nodes/%.c sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. $< -o $@

.PHONY: nodes-e2e nodes-links-e2e nodes-cluster-e2e nodes-faults-e2e \
    nodes-traffic-e2e
nodes-e2e: $(B)/lunatic $(call NODES_WASM,ping)
	@sh tests/nodes/run.sh $(B)/lunatic $(call NODES_WASM,ping)

nodes-links-e2e: $(B)/lunatic $(call NODES_WASM,links)
	@sh tests/nodes/links.sh $(B)/lunatic $(call NODES_WASM,links)

nodes-cluster-e2e: $(B)/lunatic $(B)/wasm/cluster.wasm
	@sh tests/nodes/cluster.sh $(B)/lunatic $(B)/wasm/cluster.wasm

nodes-faults-e2e: $(B)/lunatic $(call NODES_WASM,faults)
	@sh tests/nodes/faults.sh $(B)/lunatic $(call NODES_WASM,faults) \
	    tests/nodes/peer.py

nodes-traffic-e2e: $(B)/lunatic $(call NODES_WASM,traffic)
	@TRAFFIC_COUNT=$(TRAFFIC_COUNT) sh tests/nodes/traffic.sh $(B)/lunatic \
	    $(call NODES_WASM,traffic) $(LRS_DISTRIBUTED)
