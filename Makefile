# Top-level build of the lunatic runtime.
#   make            build everything (-O2 -g) into build/release
#   make test       build and run every test (unit, spec, guest, fuzz replay,
#                   and the same again under ASan+UBSan)
#   make spec       the WebAssembly spec suite, one line per file
#   make deps       install the Debian packages the build needs
#   make bench      interpreter benchmarks (see bench/)

CC ?= cc
SPEC_DIR ?= ../shared/spec-testsuite
VARIANT ?= release
B := build/$(VARIANT)

WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wundef -Wstrict-prototypes \
        -Wmissing-prototypes -Wwrite-strings -Wvla
CFLAGS_release := -O2 -g
CFLAGS_debug := -O0 -g -DLUN_DEBUG=2 -DLUN_TESTING
CFLAGS_asan := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
CFLAGS_bench := -O2 -DNDEBUG -DLUN_DEBUG=0
CFLAGS ?=
ALL_CFLAGS := $(WARN) $(CFLAGS_$(VARIANT)) $(CFLAGS) -I.
LDFLAGS_asan := -fsanitize=address,undefined
ALL_LDFLAGS := $(LDFLAGS_$(VARIANT)) $(LDFLAGS)

COMMON_SRC := $(wildcard common/*.c)
VM_SRC := $(wildcard vm/*.c)
WASI_SRC := $(wildcard wasi/*.c)
LIBVM := $(B)/libvm.a
LIBWASI := $(B)/libwasi.a

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

.PHONY: all test unit spec test-asan check deps clean bench fuzz
all: $(B)/lunatic $(B)/spectest $(B)/embed_example

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fvisibility=hidden -MMD -MP -c $< -o $@

$(LIBVM): $(call obj,$(VM_SRC) $(COMMON_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBWASI): $(call obj,$(WASI_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/lunatic: $(call obj,tools/lunatic.c) $(LIBWASI) $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) -lm

$(B)/spectest: $(call obj,tools/spectest.c tools/json.c) $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) -lm

$(B)/embed_example: $(call obj,examples/embed/embed.c) $(LIBVM)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) -lm

# {===== unit tests (Criterion): one binary per tests/unit/<mod>/test_<file>.c
UNIT_SRC := $(wildcard tests/unit/*/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))

$(B)/tests/%: tests/unit/%.c $(LIBWASI) $(LIBVM)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLUN_TESTING $^ -o $@ $(ALL_LDFLAGS) -lcriterion -lm

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t --jobs 2; done
# }=====

spec: $(B)/spectest
	@if [ ! -d "$(SPEC_DIR)" ]; then \
	  echo "spec: skipped: $(SPEC_DIR) not found (get test/core of github.com/WebAssembly/spec at tag wg-2.0, commit fffc6e12fa454e475455a7b58d3b5dc343980c10, and set SPEC_DIR)"; \
	else $(B)/spectest --spec-dir $(SPEC_DIR) --work-dir $(B)/spec; fi

deps:
	@sh tools/deps.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
