# tests/embed/embed.mk: `make check-embed`, vm/ alone on the hosts an embedder may
# have: 32-bit x86, 32-bit ARM (Thumb-2) and big-endian 32-bit PowerPC,
# cross-built and run under qemu-user. For each target (skipped, in one
# line, when its compiler or qemu is missing; `make deps` installs them):
#   - vm/ built with -Os into build/embed/<t>/libvm.a, whose undefined
#     symbols must all be in EMBED_ALLOWED_SYMS (no OS services);
#   - .text of that archive, and of the minimal build (EMBED_MIN_FLAGS),
#     each held under its ceiling (EMBED_MAX_*: the size targets of the
#     embedding work; a build over its ceiling fails);
#   - tests/embed/test_endian.c (the byte-order helpers), run;
#   - tools/spectest linked statically with each archive, run under qemu
#     on the JSON the native runner converted (--no-convert: wast2json is
#     a host program), 0 failures (the minimal build skips simd/).
# Included from the Makefile; part of `make test`.
EMBED_DIR := build/embed
EMBED_TARGETS ?= i386 armhf ppc
EMBED_TRIPLE_i386 := i686-linux-gnu
EMBED_TRIPLE_armhf := arm-linux-gnueabihf
EMBED_TRIPLE_ppc := powerpc-linux-gnu
# x87 arithmetic rounds to 80 bits first (float_misc, pmin/pmax fail): wasm
# float ops need SSE2's exact single and double rounding.
EMBED_ARCH_i386 := -msse2 -mfpmath=sse
EMBED_ARCH_armhf := -mthumb
EMBED_QEMU_i386 := qemu-i386
EMBED_QEMU_armhf := qemu-arm
EMBED_QEMU_ppc := qemu-ppc
EMBED_GCC_VERSION ?= 12
EMBED_CFLAGS := $(WARN) -Os -I.
# The smallest interpreter: no superinstructions, no SIMD. An unknown -D
# costs nothing, so this works before VM_NO_SIMD exists.
EMBED_MIN_FLAGS := -DVM_NO_FUSION -DVM_NO_SIMD
# What vm/ may call: the C library's memory and string functions, the
# formatting of error messages, abort, libc's allocator (named by
# vm/alloc.c alone, the default of vm_set_allocator: test_alloc checks
# that no other object names it), libm for float ops, and
# compiler-runtime helpers (64-bit division on 32-bit targets, popcount,
# float conversions, PowerPC's register save/restore at -Os) and the
# GOT symbol of i386 position-independent code.
EMBED_ALLOWED_SYMS := memcpy memmove memset memcmp strlen strchr strerror \
    snprintf vsnprintf abort malloc calloc realloc free \
    ceil ceilf floor floorf trunc truncf nearbyint nearbyintf sqrt sqrtf
EMBED_ALLOWED_PATTERN := ^(_GLOBAL_OFFSET_TABLE_|__aeabi_[a-z0-9_]+|__[a-z]+[sdt][if][0-9]|__(fix|float)[a-z]+|_(rest|save)[gf]pr_[0-9]+(_x)?)$$
# .text ceilings in bytes (size's text column of the archive: code,
# read-only data, unwind tables; vm/ and common/lun_err.c); empty: none.
EMBED_MAX_FULL_i386 := 163840
EMBED_MAX_MIN_i386 := 98304
EMBED_MAX_MIN_armhf := 65536
EMBED_SPEC_JSON := $(B)/spec
EMBED_VM_SRC := $(VM_SRC) $(COMMON_SRC)
EMBED_SPECTEST_SRC := tools/spectest.c tools/spectest_host.c tools/json.c
EMBED_AVAILABLE := $(foreach t,$(EMBED_TARGETS),$(if $(and \
    $(shell command -v $(EMBED_TRIPLE_$(t))-gcc-$(EMBED_GCC_VERSION)),\
    $(shell command -v $(EMBED_QEMU_$(t)))),$(t)))

# embed_rules(target): objects, archives and programs of one target.
define embed_rules
EMBED_CC_$(1) := $(EMBED_TRIPLE_$(1))-gcc-$(EMBED_GCC_VERSION)
EMBED_OBJ_$(1) := $$(EMBED_VM_SRC:%.c=$(EMBED_DIR)/$(1)/obj/%.o)
EMBED_MIN_OBJ_$(1) := $$(EMBED_VM_SRC:%.c=$(EMBED_DIR)/$(1)/min/%.o)

$(EMBED_DIR)/$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(EMBED_CC_$(1)) $$(EMBED_CFLAGS) $$(EMBED_ARCH_$(1)) -MMD -MP -c $$< -o $$@

$(EMBED_DIR)/$(1)/min/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(EMBED_CC_$(1)) $$(EMBED_CFLAGS) $$(EMBED_ARCH_$(1)) $$(EMBED_MIN_FLAGS) \
	    -MMD -MP -c $$< -o $$@

$(EMBED_DIR)/$(1)/libvm.a: $$(EMBED_OBJ_$(1))
	rm -f $$@ && $(EMBED_TRIPLE_$(1))-ar rcs $$@ $$^

$(EMBED_DIR)/$(1)/libvm_min.a: $$(EMBED_MIN_OBJ_$(1))
	rm -f $$@ && $(EMBED_TRIPLE_$(1))-ar rcs $$@ $$^

$(EMBED_DIR)/$(1)/spectest: $$(EMBED_SPECTEST_SRC:%.c=$(EMBED_DIR)/$(1)/obj/%.o) \
                            $(EMBED_DIR)/$(1)/libvm.a
	$$(EMBED_CC_$(1)) $$(EMBED_ARCH_$(1)) -static $$^ -o $$@ -lm

$(EMBED_DIR)/$(1)/spectest_min: $$(EMBED_SPECTEST_SRC:%.c=$(EMBED_DIR)/$(1)/min/%.o) \
                                $(EMBED_DIR)/$(1)/libvm_min.a
	$$(EMBED_CC_$(1)) $$(EMBED_ARCH_$(1)) -static $$^ -o $$@ -lm

$(EMBED_DIR)/$(1)/test_endian: tests/embed/test_endian.c vm/vm_endian.h vm/simd.h
	@mkdir -p $$(dir $$@)
	$$(EMBED_CC_$(1)) $$(EMBED_CFLAGS) $$(EMBED_ARCH_$(1)) -static $$< -o $$@

.PHONY: embed-run-$(1)
embed-run-$(1): $(EMBED_DIR)/$(1)/libvm.a $(EMBED_DIR)/$(1)/libvm_min.a \
                $(EMBED_DIR)/$(1)/spectest $(EMBED_DIR)/$(1)/spectest_min \
                $(EMBED_DIR)/$(1)/test_endian
	@sh tools/check_embed_syms.sh $(EMBED_TRIPLE_$(1))-nm \
	    $(EMBED_DIR)/$(1)/libvm.a "$$(EMBED_ALLOWED_SYMS)" '$$(EMBED_ALLOWED_PATTERN)'
	@sh tools/check_embed_size.sh $(1) $(EMBED_TRIPLE_$(1))-size "$$(EMBED_MIN_FLAGS)" \
	    $(EMBED_DIR)/$(1)/libvm.a "$(EMBED_MAX_FULL_$(1))" \
	    $(EMBED_DIR)/$(1)/libvm_min.a "$(EMBED_MAX_MIN_$(1))"
	$(EMBED_QEMU_$(1)) $(EMBED_DIR)/$(1)/test_endian
	@if [ -d "$(SPEC_DIR)" ]; then \
	  $(EMBED_QEMU_$(1)) $(EMBED_DIR)/$(1)/spectest --spec-dir $(SPEC_DIR) \
	      --work-dir $(EMBED_SPEC_JSON) --no-convert > $(EMBED_DIR)/$(1)/spec.log; \
	  rc=$$$$?; tail -1 $(EMBED_DIR)/$(1)/spec.log | sed 's/^/$(1): spec: /'; \
	  grep -v ' 0 failed' $(EMBED_DIR)/$(1)/spec.log | head -20; [ $$$$rc -eq 0 ] || exit 1; \
	  $(EMBED_QEMU_$(1)) $(EMBED_DIR)/$(1)/spectest_min --spec-dir $(SPEC_DIR) \
	      --work-dir $(EMBED_SPEC_JSON) --no-convert > $(EMBED_DIR)/$(1)/spec_min.log; \
	  rc=$$$$?; tail -1 $(EMBED_DIR)/$(1)/spec_min.log | sed 's/^/$(1): spec, minimal build: /'; \
	  grep -v ' 0 failed' $(EMBED_DIR)/$(1)/spec_min.log | grep -v 'skipped:' | head -20; exit $$$$rc; \
	else echo "$(1): spec: skipped: $(SPEC_DIR) not found"; fi

-include $$(wildcard $(EMBED_DIR)/$(1)/obj/*/*.d $(EMBED_DIR)/$(1)/min/*/*.d)
endef
$(foreach t,$(EMBED_TARGETS),$(eval $(call embed_rules,$(t))))

# The byte-order test natively, then each target; the spec JSON is
# converted once, by the native runner, into the work dir `make spec` uses.
.PHONY: check-embed embed-spec-json
embed-spec-json: $(B)/spectest
	@if [ -d "$(SPEC_DIR)" ]; then $(B)/spectest --spec-dir $(SPEC_DIR) \
	    --work-dir $(EMBED_SPEC_JSON) --convert-only >/dev/null; fi

# The native byte-order test is also part of make unit (every variant).
EMBED_NATIVE_TEST := $(B)/tests/embed/test_endian
UNIT_BIN += $(EMBED_NATIVE_TEST)
unit: $(EMBED_NATIVE_TEST)
$(EMBED_NATIVE_TEST): tests/embed/test_endian.c vm/vm_endian.h vm/simd.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS)

EMBED_SKIPPED := $(foreach t,$(filter-out $(EMBED_AVAILABLE),$(EMBED_TARGETS)),\
    echo "check-embed: $(t) skipped: $(EMBED_TRIPLE_$(t))-gcc-$(EMBED_GCC_VERSION) or $(EMBED_QEMU_$(t)) not found (make deps)";)

# The targets build and run side by side (make -j2), in a sub-make so
# that a missing toolchain is skipped rather than failing a prerequisite.
check-embed: embed-spec-json $(EMBED_NATIVE_TEST)
	$(EMBED_NATIVE_TEST)
	@$(EMBED_SKIPPED) true
	@$(MAKE) --no-print-directory $(EMBED_AVAILABLE:%=embed-run-%)
