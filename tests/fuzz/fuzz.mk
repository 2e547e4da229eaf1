# tests/fuzz/fuzz.mk (included by the Makefile):
# {===== fuzzing
#   make fuzz         libFuzzer binaries (clang) in build/fuzz/, e.g.
#                     build/fuzz/fuzz_exec build/$(VARIANT)/fuzz-corpus
#   make fuzz-seeds   a seed corpus in $(B)/fuzz-corpus: the .wasm files that
#                     wast2json makes from the spec suite (the cache of
#                     `make spec` in $(B)/spec, filled here if missing);
#                     no binaries are committed
#   make fuzz-replay  replay.c + each fuzz_<t>.c built with the normal
#                     toolchain, run over the seeds and tests/fuzz/corpus/<t>
#                     (if any); fuzz_dist_frame (the node frame decoder)
#                     takes the same seeds: to it they are arbitrary bytes
FUZZ_CC ?= clang
FUZZ_CFLAGS := $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all -fno-omit-frame-pointer -I.
FUZZ_TARGETS := exec dist_frame
FUZZ_CORPUS := $(B)/fuzz-corpus

.PHONY: fuzz-seeds fuzz-replay
fuzz: $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(VM_SRC) $(COMMON_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@ -lm

build/fuzz/fuzz_dist_frame: tests/fuzz/fuzz_dist_frame.c dist/frame.c $(COMMON_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@

define fuzz_replay_rule
$(B)/fuzz_replay_$(1): $(call obj,tests/fuzz/replay.c tests/fuzz/fuzz_$(1).c) $(LIBDIST) $(LIBVM)
	$$(CC) $$(ALL_CFLAGS) $$^ -o $$@ $$(ALL_LDFLAGS) -lm
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_replay_rule,$(t))))

fuzz-seeds:
	@if [ ! -d "$(SPEC_DIR)" ]; then \
	  echo "fuzz-seeds: skipped: $(SPEC_DIR) not found"; exit 0; fi; \
	command -v wast2json >/dev/null || \
	  { echo "fuzz-seeds: wast2json not found (make deps)"; exit 2; }; \
	for w in $(SPEC_DIR)/*.wast $(SPEC_DIR)/simd/*.wast; do \
	  n=$$(basename $$w .wast); d=$(B)/spec/$$n; \
	  case $$w in */simd/*) d=$(B)/spec/simd/$$n;; esac; \
	  if [ -f $(SPEC_DIR)/compat/$$n.wast ]; then w=$(SPEC_DIR)/compat/$$n.wast; fi; \
	  if [ ! -f $$d/$$n.json ]; then mkdir -p $$d && \
	    wast2json $$w -o $$d/$$n.json >$$d/wast2json.log 2>&1 || exit 1; fi; \
	done; \
	rm -rf $(FUZZ_CORPUS) && mkdir -p $(FUZZ_CORPUS) && \
	find $(B)/spec -mindepth 2 -maxdepth 3 -name '*.wasm' \
	  -exec cp -f -t $(FUZZ_CORPUS) {} +; \
	echo "fuzz-seeds: $$(ls $(FUZZ_CORPUS) | wc -l) seeds in $(FUZZ_CORPUS)"

fuzz-replay: fuzz-seeds $(FUZZ_TARGETS:%=$(B)/fuzz_replay_%)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  dirs=; for d in $(FUZZ_CORPUS) tests/fuzz/corpus/$$t; do \
	    if [ -d $$d ]; then dirs="$$dirs $$d"; fi; done; \
	  if [ -z "$$dirs" ]; then echo "fuzz_$$t: skipped: no corpus"; continue; fi; \
	  echo "== fuzz_$$t"; $(B)/fuzz_replay_$$t $$dirs; done
# }=====
