/* no_malloc.c: linked into embed_example_nomalloc (`make embed-check`) in
 * place of libc's allocator, so that any call to it ends the program: the
 * proof that the embedding example runs on its static arena alone. */
#include "common/lun_prefix.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void refuse(const char *what)
{
    if (write(2, what, strlen(what)) < 0) _exit(4);
    abort();
}

void *malloc(size_t n)
{
    (void)n;
    refuse("embed_example: malloc called\n");
    return NULL;
}

void *calloc(size_t count, size_t size)
{
    (void)count, (void)size;
    refuse("embed_example: calloc called\n");
    return NULL;
}

void *realloc(void *p, size_t n)
{
    (void)p, (void)n;
    refuse("embed_example: realloc called\n");
    return NULL;
}

void free(void *p)
{
    if (p != NULL) refuse("embed_example: free called\n");
}
