# tests/cert/cert.mk (included by the Makefile):
# {===== `make cert-e2e`: `lunatic cert` checked by openssl, the outside
# oracle (tests/cert/run.sh): the certificates verify and say what they
# should, keys are private, the command's errors; and node links
# (net_tls_node_conf, through tests/cert/tls_peer.c) shaking hands with
# openssl's s_client and s_server. Part of test-core, so it runs in the
# release and ASan variants.
CERT_PEER := $(B)/tests/cert/tls_peer
CERT_HELPERS := $(B)/wasm/cert/cert_helpers.wasm

$(CERT_PEER): tests/cert/tls_peer.c $(LIBNET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) $(NET_LIBS)

$(CERT_HELPERS): tests/cert/cert_helpers.c sdk/lunatic.h sdk/lunatic_imports.h
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -I. $< -o $@

.PHONY: cert-e2e
cert-e2e: $(B)/lunatic $(CERT_PEER) $(CERT_HELPERS)
	@sh tests/cert/run.sh $(B)/lunatic $(CERT_PEER) $(CERT_HELPERS)
# }=====
