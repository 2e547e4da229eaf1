# {===== differential fuzzing against V8 (tests/fuzzdiff/)
#   make fuzz-diff       FUZZ_DIFF_N modules from `wasm-opt -ttf` (seeds
#                        FUZZ_DIFF_SEED, FUZZ_DIFF_SEED+1, ...), each export
#                        called on node and on the interpreter (fusion on and
#                        off); transcripts compared; a mismatch is saved and
#                        reduced under build/fuzz-diff/mismatch/ and fails
#   make fuzz-diff-long  the same with FUZZ_DIFF_LONG_N modules (or until
#                        FUZZ_DIFF_TIME seconds, if set), progress printed
#                        as it goes
FUZZ_DIFF_N ?= 300
FUZZ_DIFF_SEED ?= 1
FUZZ_DIFF_LONG_N ?= 100000
FUZZ_DIFF_TIME ?= 0
# wasm-reduce per mismatch group: short in the bounded run (make test)
FUZZ_DIFF_REDUCE ?= --max-reduce 2 --reduce-timeout 60
FUZZ_DIFF_LONG_REDUCE ?= --max-reduce 5 --reduce-timeout 200
FUZZ_DIFF_FLAGS ?=
FUZZ_DIFF_RUN := $(B)/fuzzdiff_run

.PHONY: fuzz-diff fuzz-diff-long fuzz-diff-selftest
$(FUZZ_DIFF_RUN): $(call obj,tests/fuzzdiff/run.c) $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) -lm

# The harness itself: both runners print tests/fuzzdiff/selftest.expected.
$(B)/fuzzdiff/selftest.wasm: tests/fuzzdiff/selftest.wat
	@mkdir -p $(dir $@)
	wat2wasm $< -o $@

fuzz-diff-selftest: $(FUZZ_DIFF_RUN) $(B)/fuzzdiff/selftest.wasm
	python3 tests/fuzzdiff/fuzzdiff.py selftest --driver $(FUZZ_DIFF_RUN) \
	    --wasm $(B)/fuzzdiff/selftest.wasm

fuzz-diff: fuzz-diff-selftest
	python3 tests/fuzzdiff/fuzzdiff.py run --driver $(FUZZ_DIFF_RUN) \
	    --out build/fuzz-diff --n $(FUZZ_DIFF_N) --seed $(FUZZ_DIFF_SEED) \
	    $(FUZZ_DIFF_REDUCE) $(FUZZ_DIFF_FLAGS)

fuzz-diff-long: fuzz-diff-selftest
	python3 tests/fuzzdiff/fuzzdiff.py run --driver $(FUZZ_DIFF_RUN) \
	    --out build/fuzz-diff --n $(FUZZ_DIFF_LONG_N) --seed $(FUZZ_DIFF_SEED) \
	    --progress --time-limit $(FUZZ_DIFF_TIME) $(FUZZ_DIFF_LONG_REDUCE) \
	    $(FUZZ_DIFF_FLAGS)
# }=====
