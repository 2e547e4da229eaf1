/* vmdump.c: prints the threaded code the compiler makes of a module's
 * functions: `vmdump FILE.wasm [FUNC_INDEX...]`. A developer tool for
 * interpreter work; it uses vm internals (vm/vm_int.h) on purpose. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm_int.h"

static void print_line(void *ud, const char *line)
{
    (void)ud;
    puts(line);
}

static uint8_t *read_all(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *out_len = len;
    return buf;
}

static void dump_func(vm_module_t *m, uint32_t i)
{
    if (i >= m->nfuncs) {
        fprintf(stderr, "vmdump: no function %u (the module has %u)\n", i, m->nfuncs);
        return;
    }
    vm_func *f = &m->funcs[i];
    if (i < m->nfunc_imports) return;
    vm_code *c = vm__compile(m, f);
    if (!c) return;
    printf("func[%u] %s: %u words, %u frame slots\n", i, f->name ? f->name : "",
           c->nops, c->frame_slots);
    vm__code_dump(c, print_line, NULL);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: vmdump FILE.wasm [FUNC_INDEX...]\n");
        return 2;
    }
    size_t len;
    char err[256];
    uint8_t *bytes = read_all(argv[1], &len);
    vm_module_t *m;
    const char *nf = getenv("LUNATIC_NO_FUSION"); /* show the plain code */
    vm_config cfg = {.no_fusion = nf && *nf && strcmp(nf, "0") != 0};
    if (!bytes || vm_module_load(bytes, len, &cfg, &m, err, sizeof err)) {
        fprintf(stderr, "vmdump: %s: %s\n", argv[1], bytes ? err : "cannot read");
        free(bytes);
        return 1;
    }
    free(bytes);
    if (argc == 2)
        for (uint32_t i = 0; i < m->nfuncs; i++) dump_func(m, i);
    for (int a = 2; a < argc; a++) dump_func(m, (uint32_t)strtoul(argv[a], NULL, 10));
    vm_module_free(m);
    return 0;
}
