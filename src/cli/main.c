/* SPDX-License-Identifier: MIT */
/*
 * vnetgw: the command-line client of the API (az network style). A skeleton until the
 * management plane (issue 5) gives it an API to talk to.
 */
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: vnetgw [--help] [--version] <group> <command> [options]\n"
		     "Command groups arrive with the management API: vnet, public-ip, vnet-gateway,\n"
		     "local-gateway, vpn-connection, admin.\n");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("vnetgw 0.1.0\n");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
