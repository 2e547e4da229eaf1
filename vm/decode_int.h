/* decode_int.h: the binary decoder's state and the helpers shared by
 * vm/decode.c (primitives, section loop) and vm/decode_sections.c (one
 * parser per section). Private to those two files. */
#ifndef LUN_VM_DECODE_INT_H
#define LUN_VM_DECODE_INT_H

#include "vm_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decoder state. r.end is the end of the section being parsed, so every
 * read is bounded by it: a section can never read into the next one. */
typedef struct vm_decoder {
    vm_reader r;
    vm_module_t *m;
    const char *section; /* "type", "import"...; NULL between sections */
    char *err;           /* NULL: fail silently (the name section) */
    size_t errlen;
    uint32_t nfunc_decls;  /* count of the function section */
    bool has_code, has_data;
    const uint8_t *names;  /* payload of the "name" custom section */
    uint32_t names_len;
    const uint8_t *datacount_use; /* first memory.init/data.drop, if any */
} vm_decoder;

/* {===== primitives (decode.c); each returns 0 or the error after
 * writing "<section> section (offset 0x..): <reason>" */

int vm__dec_fail(vm_decoder *d, int rc, const uint8_t *at, const char *fmt,
                 ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static inline size_t vm__dec_left(const vm_decoder *d)
{
    return (size_t)(d->r.end - d->r.p);
}
int vm__dec_u8(vm_decoder *d, uint8_t *out);
int vm__dec_u32(vm_decoder *d, uint32_t *out);
/* A vector length: at most the bytes left, as every element takes at least
 * one byte. This bounds every allocation by the input size. */
int vm__dec_count(vm_decoder *d, uint32_t *out);
/* A byte vector (length then bytes), pointing into the module's copy. */
int vm__dec_bytes(vm_decoder *d, const uint8_t **out, uint32_t *out_len);
/* A UTF-8 name, copied and NUL-terminated (it may also hold NULs). */
int vm__dec_name(vm_decoder *d, char **out, uint32_t *out_len);
bool vm__utf8_valid(const uint8_t *s, size_t n);
int vm__dec_valtype(vm_decoder *d, uint8_t *out);
int vm__dec_reftype(vm_decoder *d, uint8_t *out);
int vm__dec_limits(vm_decoder *d, vm_limits *out);
/* One instruction: opcode and immediates, checked for encoding only.
 * *out_op is the enum vm_opcode. */
int vm__dec_instr(vm_decoder *d, int *out_op);
/* A constant expression: instructions through the first end. */
int vm__dec_constexpr(vm_decoder *d, vm_constexpr *out);

/* }===== */
/* {===== section parsers (decode_sections.c), in section id order */

int vm__dec_custom(vm_decoder *d);
int vm__dec_types(vm_decoder *d);
int vm__dec_imports(vm_decoder *d);
int vm__dec_functions(vm_decoder *d);
int vm__dec_tables(vm_decoder *d);
int vm__dec_memories(vm_decoder *d);
int vm__dec_globals(vm_decoder *d);
int vm__dec_exports(vm_decoder *d);
int vm__dec_start(vm_decoder *d);
int vm__dec_elems(vm_decoder *d);
int vm__dec_code(vm_decoder *d);
int vm__dec_datas(vm_decoder *d);
int vm__dec_datacount(vm_decoder *d);
/* After the last section: the name section, if any; never fails. */
void vm__dec_names(vm_decoder *d);

/* }===== */

#endif
