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
/* 64-bit file offsets and inode numbers on 32-bit hosts too: without it
 * readdir and stat fail (EOVERFLOW) on file systems with large inodes. */
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif
#if defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
#define _DARWIN_C_SOURCE 1
#endif

#endif
