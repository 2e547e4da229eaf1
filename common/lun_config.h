/* lun_config.h: HAVE_* switches derived from OS macros only (Redis
 * config.h), so that platform backends are chosen in one place. */
#ifndef LUN_CONFIG_H
#define LUN_CONFIG_H

#if defined(_WIN32)
#define HAVE_IOCP 1
#elif defined(__linux__)
#define HAVE_EPOLL 1
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || \
    defined(__NetBSD__) || defined(__DragonFly__)
#define HAVE_KQUEUE 1
#endif

#endif
