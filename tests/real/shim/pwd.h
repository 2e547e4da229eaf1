/* pwd.h for wasm32-wasi, which has none: WASI has no user database.
 * getpwuid and getpwnam find nobody (defined in shim.c), so a program
 * falls back to $HOME or to no home directory. */
#ifndef REAL_SHIM_PWD_H
#define REAL_SHIM_PWD_H

#include <sys/types.h>

struct passwd {
    char *pw_name;
    char *pw_passwd;
    uid_t pw_uid;
    gid_t pw_gid;
    char *pw_gecos;
    char *pw_dir;
    char *pw_shell;
};

struct passwd *getpwuid(uid_t uid);
struct passwd *getpwnam(const char *name);

#endif
