/* cargo_test.h: what `lunatic` does for cargo: the libtest-compatible test
 * runner of `cargo test` (Lunatic's src/mode/cargo_test.rs) and `lunatic
 * init` (src/mode/init.rs). Used by tools/lunatic.c only. */
#ifndef LUN_CARGO_TEST_H
#define LUN_CARGO_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "../vm/vm.h"
#include "../wasi/wasi.h"

/* True when cargo started us to run a test binary: CARGO_MANIFEST_DIR is
 * set, path is target/wasm32-wasi/<profile>/deps/NAME.wasm (or
 * wasm32-unknown-unknown) and no argument is --bench, as in Lunatic. */
bool cargo_test_detect(const char *path, int argc, char *const *args);

typedef struct cargo_test_opts {
    const char *path;          /* the module, for messages */
    vm_module_t *module;       /* loaded and checked; stays the caller's */
    int argc;                  /* libtest's arguments (after the module) */
    char *const *args;
    uint32_t threads;          /* --threads of each test's runtime; 0 = cores */
    const wasi_preopen_t *dirs; /* lunatic's preopens ("." is added first
                                   when missing, as Lunatic always does) */
    uint32_t ndirs;
    const char *const *env;    /* every test's environment */
    uint32_t envc;
    bool no_fusion;
} cargo_test_opts_t;

/* Run the module's #lunatic_test_* exports as libtest would and print
 * libtest's report. Returns the exit status: 0, 101 when a test failed
 * (libtest's), 1 on an error, 2 on a bad command line. */
int cargo_test_run(const cargo_test_opts_t *o);

/* `lunatic init`: set wasm32-wasi as the build target and `lunatic run`
 * as its runner in .cargo/config.toml; returns the exit status. */
int cargo_init(void);

#endif
