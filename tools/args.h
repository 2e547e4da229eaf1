/* args.h: the option parsing the subcommands share (tools/args.c). */
#ifndef LUN_TOOLS_ARGS_H
#define LUN_TOOLS_ARGS_H

#include <stdbool.h>

/* The value of option `name` at argv[*i]: "--name=VALUE" or "--name VALUE"
 * (then *i moves past VALUE). NULL if argv[*i] is not this option; NULL
 * with *missing set if it is, but no value follows. Each caller reports a
 * missing value its own way. */
const char *args_option_value(int argc, char *const *argv, int *i,
                              const char *name, bool *missing);

#endif
