# {===== make test-real: real C programs built from Debian 12 upstream sources
# (Lua, zlib, SQLite, mujs, bzip2) to wasm32-wasi and natively, run natively,
# on $(B)/lunatic (twice: as is and on the plain paths,
# LUNATIC_NO_FUSION=1 LUNATIC_NO_IMAGE=1) and on node,
# outputs compared byte for byte. See tests/real/run.py.
#   make test-real                 fetch (first time), build, run; 1 line per case
#   make VARIANT=asan test-real    the same with the ASan+UBSan runtime
#   REAL_CASES='lua-*' make test-real   only the cases matching a pattern
# Downloads, sources and builds are kept in build/real/ (shared by the
# variants: the corpus does not depend on the runtime's build).
REAL := build/real
REAL_PKGS := lua5.4 zlib sqlite3 mujs bzip2
# sqlite3 first: its two builds take longest, so they start first under -j2
REAL_PROGS := sqlite3 lua mujs zlib-example minigzip bzip2
REAL_BINS := $(foreach p,$(REAL_PROGS),$(REAL)/bin/wasm/$(p).wasm $(REAL)/bin/native/$(p))
REAL_SHIM := $(wildcard tests/real/shim/*)
REAL_CASES ?=
# seconds a step may take: the slowest takes 0.2 s natively and 3 s on
# node, so 60 leaves room for the interpreter under ASan too
REAL_TIMEOUT ?= 60

$(REAL)/src/.fetched: tests/real/fetch.sh
	sh tests/real/fetch.sh $(REAL) $(REAL_PKGS)
	@touch $@

$(REAL)/bin/wasm/%.wasm: $(REAL)/src/.fetched tests/real/build.sh $(REAL_SHIM)
	@echo "real: build wasm $*"
	@sh tests/real/build.sh $(REAL) wasm $*

$(REAL)/bin/native/%: $(REAL)/src/.fetched tests/real/build.sh
	@echo "real: build native $*"
	@sh tests/real/build.sh $(REAL) native $*

# The two sqlite3 builds share the amalgamation: make it first.
$(REAL)/sqlite-amalg/sqlite3.c: $(REAL)/src/.fetched
	@echo "real: sqlite3 amalgamation"
	@rm -f $@ && sh tests/real/build.sh $(REAL) amalg sqlite3
$(REAL)/bin/wasm/sqlite3.wasm $(REAL)/bin/native/sqlite3: $(REAL)/sqlite-amalg/sqlite3.c

.PHONY: test-real real-build
real-build: $(REAL_BINS)

# The corpus builds with -j2 whatever the outer make's -j (the machine this
# runs on is small; two compilers at once is the budget).
test-real: $(B)/lunatic
	@$(MAKE) --no-print-directory -j2 real-build
	@python3 tests/real/run.py --real $(REAL) --lunatic $(B)/lunatic --timeout $(REAL_TIMEOUT) \
	    $(if $(REAL_CASES),--cases '$(REAL_CASES)')
# }=====
