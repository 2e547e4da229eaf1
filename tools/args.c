/* args.c: the option parsing the subcommands share. Interface: args.h. */
#include "common/lun_prefix.h"

#include <string.h>

#include "tools/args.h"

const char *args_option_value(int argc, char *const *argv, int *i,
                              const char *name, bool *missing)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, n) != 0)
        return NULL;
    if (arg[n] == '=')
        return arg + n + 1;
    if (arg[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}
