/* main.c - everything happens in cli.c. */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	return kasim_main(argc, argv, stdout, stderr);
}
