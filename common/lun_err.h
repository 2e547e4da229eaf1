/* lun_err.h: the project-wide error codes. Library calls return 0 or a
 * negative LUN_E* code; OS failures travel as LUN_ERR_ERRNO(errno). */
#ifndef LUN_ERR_H
#define LUN_ERR_H

/* One list generates the enum, lun_strerror() and lun_errname(). */
#define LUN_ERR_MAP(XX)                                                  \
    XX(NOMEM, -1, "out of memory")                                       \
    XX(INVAL, -2, "invalid argument")                                    \
    XX(MALFORMED, -3, "malformed module")                                \
    XX(INVALID, -4, "invalid module")                                    \
    XX(UNLINKABLE, -5, "unlinkable module")                              \
    XX(TRAP, -6, "trap")                                                 \
    XX(NOTFOUND, -7, "not found")                                        \
    XX(LIMIT, -8, "limit exceeded")                                      \
    XX(IO, -9, "input/output error")                                     \
    XX(AGAIN, -10, "operation would block")

enum lun_err {
#define LUN_ERR_ENUM(name, code, msg) LUN_E##name = (code),
    LUN_ERR_MAP(LUN_ERR_ENUM)
#undef LUN_ERR_ENUM
    LUN_ERR_ERRNO_BASE = -1000
};

/* OS errors are carried as LUN_ERR_ERRNO(e), below LUN_ERR_ERRNO_BASE. */
#define LUN_ERR_ERRNO(e) (LUN_ERR_ERRNO_BASE - (e))

/* Human-readable text and the symbolic name ("LUN_ENOMEM") of an error. */
const char *lun_strerror(int err);
const char *lun_errname(int err);

#endif
