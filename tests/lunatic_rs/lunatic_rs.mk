# tests/lunatic_rs/lunatic_rs.mk: Lunatic's Rust guests (included by the Makefile).
#   make cargo-e2e        the cargo test mode and `lunatic init` on a
#                         fixture shaped like a lunatic-rs test binary
#                         (tests/cargo/; needs no Rust)
#   make test-lunatic-rs  lunatic-rs 0.14.1 (../shared/lunatic-rs): its 121
#                         tests through `cargo test` with this lunatic as
#                         the runner, on --threads 1 and on the default,
#                         and its 17 examples checked against their source
#                         (tests/lunatic_rs/run.sh). The copy and its
#                         build live in build/lunatic-rs/, kept between
#                         runs (a clean build takes ~5 min on 2 cores).
# Knobs: LRS_SRC (the lunatic-rs folder), LRS_RUNS (repeat the test runs).
LRS_SRC ?= $(dir $(SPEC_DIR))lunatic-rs
LRS_DIR ?= build/lunatic-rs
LRS_RUNS ?= 1

.PHONY: cargo-e2e test-lunatic-rs
$(B)/wasm/cargo/tests.wasm: tests/cargo/tests.wat
	@mkdir -p $(dir $@)
	$(WAT2WASM) $< -o $@

cargo-e2e: $(B)/lunatic $(B)/wasm/cargo/tests.wasm
	@sh tests/cargo/run.sh $(B)/lunatic $(B)/wasm/cargo/tests.wasm

test-lunatic-rs: $(B)/lunatic
	@LRS_RUNS=$(LRS_RUNS) sh tests/lunatic_rs/run.sh $(B)/lunatic $(LRS_SRC) $(LRS_DIR)
