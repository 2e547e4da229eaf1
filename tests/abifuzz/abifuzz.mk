# {===== the ABI fuzzer (tests/abifuzz/): generated guests call every
# lunatic::* and wasi_snapshot_preview1 function the runtime binds with
# random, boundary and hostile arguments beside a ping pair; a runtime
# crash, sanitizer report, leak, lock message, hang, ping stall or sandbox
# escape is a finding (saved under build/abi-fuzz/<variant>/findings/)
#   make abi-fuzz        a bounded batch (ABI_FUZZ_N programs from seed
#                        ABI_FUZZ_SEED; fewer under ASan); fails on a finding
#   make abi-fuzz-long   ABI_FUZZ_SECONDS of programs from ABI_FUZZ_LONG_SEED
# ABI_FUZZ_ENABLE: known-open patterns to generate anyway (gen.py
# KNOWN_OPEN; "all" for every one), off while those bugs are open.
ABI_FUZZ_N ?= $(if $(filter asan,$(VARIANT)),36,40)
ABI_FUZZ_SEED ?= 1
ABI_FUZZ_SECONDS ?= 900
ABI_FUZZ_LONG_SEED ?= 100000
ABI_FUZZ_ENABLE ?=
ABI_FUZZ_FLAGS ?=
ABI_FUZZ_RUN = python3 tests/abifuzz/run.py --lunatic $(B)/lunatic \
    --out build/abi-fuzz/$(VARIANT) $(if $(ABI_FUZZ_ENABLE),--enable \
    $(ABI_FUZZ_ENABLE)) $(ABI_FUZZ_FLAGS)

.PHONY: abi-fuzz abi-fuzz-long
abi-fuzz: $(B)/lunatic
	$(ABI_FUZZ_RUN) --seed $(ABI_FUZZ_SEED) --count $(ABI_FUZZ_N)

abi-fuzz-long: $(B)/lunatic
	$(ABI_FUZZ_RUN) --seed $(ABI_FUZZ_LONG_SEED) --seconds \
	    $(ABI_FUZZ_SECONDS) --verbose
# }=====
