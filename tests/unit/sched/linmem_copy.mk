# linmem_copy.mk (included by the Makefile's unit block):
# test_linmem_grow again with linmem.c growing large memories the way
# systems without mremap do (a new mapping and one copy), part of `make
# unit`. linmem.c needs nothing from the rest of the scheduler but the
# checked locks.
LINMEM_COPY_TEST := $(B)/tests/sched/test_linmem_grow_copy
UNIT_BIN += $(LINMEM_COPY_TEST)
unit: $(LINMEM_COPY_TEST)
$(LINMEM_COPY_TEST): tests/unit/sched/test_linmem_grow.c sched/linmem.c \
                     $(LOCK_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLUN_TESTING -DLINMEM_FORCE_COPY $^ -o $@ \
	    $(ALL_LDFLAGS) -lcriterion -pthread
