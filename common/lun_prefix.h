/* lun_prefix.h: feature-test macros; the first include of every .c file.
 * Setting them here, once, keeps each file's view of libc identical. */
#ifndef LUN_PREFIX_H
#define LUN_PREFIX_H

#if !defined(_GNU_SOURCE) && defined(__linux__)
#define _GNU_SOURCE 1
#endif
#if !defined(_POSIX_C_SOURCE) && !defined(__linux__)
#define _POSIX_C_SOURCE 200809L
#endif
#if defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
#define _DARWIN_C_SOURCE 1
#endif

#endif
