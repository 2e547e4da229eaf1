/* spectest_host.h: the "spectest" host module that the WebAssembly spec
 * suite imports from (print functions, globals, a table and a memory). */
#ifndef LUN_SPECTEST_HOST_H
#define LUN_SPECTEST_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "vm/vm.h"

typedef struct spectest_host spectest_host;

/* Create the host objects. The print functions print their arguments only
 * if *verbose is true when they run. Returns NULL if out of memory. */
spectest_host *spectest_host_new(const bool *verbose);
/* Free the host objects: only after every instance importing them. */
void spectest_host_free(spectest_host *h);
/* The export `name` (len bytes): 0, or LUN_ENOTFOUND. */
int spectest_host_export(const spectest_host *h, const char *name,
                         size_t len, vm_extern *out);

#endif
