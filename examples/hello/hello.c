/* hello.c: the first guest program: prints a greeting and its arguments.
 * Built with clang --target=wasm32-wasi (see the Makefile), run with
 * `lunatic hello.wasm [ARGS...]`. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("Hello from lunatic!\n");
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    return 0;
}
