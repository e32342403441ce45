/*
 * version.h - the commit kasim was built from (kasim -V).
 */
#ifndef KASIM_VERSION_H
#define KASIM_VERSION_H

/* `git describe --always --dirty` of the source tree at the last build, or
 * "unknown" outside a git checkout. The Makefile regenerates it on every build
 * (build/gen/version_git.h), so it is never stale. */
const char *kasim_git(void);

#endif
