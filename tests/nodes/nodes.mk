# tests/nodes/nodes.mk: `make nodes-e2e`, three `lunatic node` processes
# on 127.0.0.1 (tests/nodes/run.sh). Not part of `make test` yet: it
# uses real ports and timing. Included from the Makefile.
NODES_PING := $(B)/wasm/nodes/ping.wasm

$(NODES_PING): tests/nodes/ping.c sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. $< -o $@

.PHONY: nodes-e2e
nodes-e2e: $(B)/lunatic $(NODES_PING)
	@sh tests/nodes/run.sh $(B)/lunatic $(NODES_PING)

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
