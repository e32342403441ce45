/*
 * library.h - what libraries and daemons set on their sockets (library = NAME
 * in [A] or [B]): the keepalive options Go, Node.js, Redis, libpq, curl and
 * Java set, each value with its source in sim/library.c and docs/profiles.md.
 */
#ifndef KASIM_LIBRARY_H
#define KASIM_LIBRARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One library's socket options; 0 = left to the OS (the sysctls). */
struct library {
	const char *name;
	const char *what;       /* the call or setting, as the library's user writes it */
	bool so_keepalive;
	uint32_t keepidle, keepintvl, keepcnt; /* s, s, probes */
	uint32_t intvl_div;     /* > 0: a keepidle N the user sets gives keepintvl N / this (at least 1) */
};

extern const char *const library_names[];
extern const size_t library_count;

/* The library called name, or NULL. */
const struct library *library_get(const char *name);

#endif
