/* SPDX-License-Identifier: MIT */
/*
 * vnetgwd: the gateway daemon. For now only its command line; the control loop, the IKEv2
 * engine, the data plane and the API arrive with issues 3, 5 and 6.
 */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: vnetgwd [--help] [--version]\n"
		     "The site-to-site VPN gateway daemon. Not yet able to run a gateway: see "
		     "README.md.\n");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("vnetgwd 0.1.0\n");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
