/*
 * version.c - the commit kasim was built from. The only file that includes
 * the generated build/gen/version_git.h, so a new commit rebuilds this object
 * alone.
 */
#include "version.h"

#include "version_git.h"

const char *kasim_git(void)
{
	return KASIM_GIT;
}
