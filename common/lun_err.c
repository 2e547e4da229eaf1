/* lun_err.c: text for the LUN_ERR_MAP error codes (see lun_err.h). */
#include "lun_prefix.h"
#include "lun_err.h"

#include <string.h>

const char *lun_strerror(int err)
{
    switch (err) {
#define LUN_ERR_TEXT(name, code, msg) case code: return msg;
        LUN_ERR_MAP(LUN_ERR_TEXT)
#undef LUN_ERR_TEXT
    default: break;
    }
    if (err <= LUN_ERR_ERRNO_BASE)
        return strerror(LUN_ERR_ERRNO_BASE - err);
    return err == 0 ? "success" : "unknown error";
}

const char *lun_errname(int err)
{
    switch (err) {
#define LUN_ERR_NAME(name, code, msg) case code: return "LUN_E" #name;
        LUN_ERR_MAP(LUN_ERR_NAME)
#undef LUN_ERR_NAME
    default: break;
    }
    return err <= LUN_ERR_ERRNO_BASE ? "LUN_ERRNO" : "LUN_EUNKNOWN";
}
