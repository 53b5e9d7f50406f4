/* SPDX-License-Identifier: MIT */
/*
 * --help on every level: each group lists its subgroups and commands, each command its flags
 * (the ones the az command takes) with a one-line description each, without any required flag
 * given. The rows are the command surface this CLI promises.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct group_row {
	const char *path;
	const char *children; /* space-separated */
};

struct cmd_row {
	const char *path;
	const char *flags; /* space-separated, the ones marked [Required] prefixed with '*' */
};

static const struct group_row groups[] = {
	{"", "vnet public-ip vnet-gateway local-gateway vpn-connection admin"},
	{"vnet", "subnet create show list delete"},
	{"vnet subnet", "create show list delete"},
	{"public-ip", "create show list delete"},
	{"vnet-gateway",
	 "create update show list delete reset list-learned-routes list-bgp-peer-status "
	 "list-advertised-routes"},
	{"local-gateway", "create update show list delete"},
	{"vpn-connection",
	 "shared-key ipsec-policy create update show list delete show-device-config-script"},
	{"vpn-connection shared-key", "show update reset"},
	{"vpn-connection ipsec-policy", "add list clear"},
	{"admin", "subscription token settings"},
	{"admin subscription", "create list delete"},
	{"admin token", "create list revoke"},
	{"admin settings", "show update"},
};

#define RGN "*--resource-group *--name"

static const struct cmd_row cmds[] = {
	{"vnet create", RGN " --address-prefixes --subnet-name --subnet-prefix --location --tags"},
	{"vnet show", RGN},
	{"vnet list", "--resource-group"},
	{"vnet delete", RGN},
	{"vnet subnet create", "*--resource-group *--vnet-name *--name *--address-prefix"},
	{"vnet subnet show", "*--resource-group *--vnet-name *--name"},
	{"vnet subnet list", "*--resource-group *--vnet-name"},
	{"vnet subnet delete", "*--resource-group *--vnet-name *--name"},
	{"public-ip create", RGN " --allocation-method --location --tags"},
	{"public-ip show", RGN},
	{"public-ip list", "--resource-group"},
	{"public-ip delete", RGN},
	{"vnet-gateway create",
	 RGN " *--vnet *--public-ip-addresses --gateway-type --vpn-type --sku "
	     "--asn --bgp-peering-address --peer-weight --location --tags"},
	{"vnet-gateway update",
	 RGN " --sku --enable-bgp --asn --bgp-peering-address --peer-weight --tags"},
	{"vnet-gateway show", RGN},
	{"vnet-gateway list", "--resource-group"},
	{"vnet-gateway delete", RGN},
	{"vnet-gateway reset", RGN},
	{"vnet-gateway list-learned-routes", RGN},
	{"vnet-gateway list-bgp-peer-status", RGN " --peer"},
	{"vnet-gateway list-advertised-routes", RGN " *--peer"},
	{"local-gateway create", RGN " *--gateway-ip-address --local-address-prefixes --asn "
				     "--bgp-peering-address --peer-weight --location --tags"},
	{"local-gateway update", RGN " --gateway-ip-address --local-address-prefixes --asn "
				     "--bgp-peering-address --peer-weight --tags"},
	{"local-gateway show", RGN},
	{"local-gateway list", "--resource-group"},
	{"local-gateway delete", RGN},
	{"vpn-connection create",
	 RGN " *--vnet-gateway1 *--local-gateway2 --shared-key "
	     "--enable-bgp --routing-weight --connection-mode --dpd-timeout "
	     "--location --tags"},
	{"vpn-connection update", RGN " --enable-bgp --routing-weight --connection-mode "
				      "--dpd-timeout --tags"},
	{"vpn-connection show", RGN},
	{"vpn-connection list", "--resource-group"},
	{"vpn-connection delete", RGN},
	{"vpn-connection show-device-config-script",
	 RGN " --vendor --device-family --firmware-version"},
	{"vpn-connection shared-key show", "*--resource-group *--connection-name"},
	{"vpn-connection shared-key update", "*--resource-group *--connection-name *--value"},
	{"vpn-connection shared-key reset", "*--resource-group *--connection-name *--key-length"},
	{"vpn-connection ipsec-policy add",
	 "*--resource-group *--connection-name *--ike-encryption *--ike-integrity *--dh-group "
	 "*--ipsec-encryption *--ipsec-integrity *--pfs-group *--sa-lifetime *--sa-max-size"},
	{"vpn-connection ipsec-policy list", "*--resource-group *--connection-name"},
	{"vpn-connection ipsec-policy clear", "*--resource-group *--connection-name"},
	{"admin subscription create", "*--display-name --token-label"},
	{"admin subscription list", ""},
	{"admin subscription delete", "*--subscription-id"},
	{"admin token create", "*--subscription-id --label"},
	{"admin token list", "*--subscription-id"},
	{"admin token revoke", "*--subscription-id *--token-id"},
	{"admin settings show", ""},
	{"admin settings update",
	 "--public-ip-pool --tunnel-limits --allow-private-gateway-ips "
	 "--max-gateways-per-subscription --max-connections-per-subscription "
	 "--min-shared-key-length --api-rate-limit --api-rate-burst"},
};

static const char *const global_flags[] = {"--subscription", "--output",  "--server", "--token",
					   "--admin-socket", "--dry-run", "--help",   NULL};

/* The help line of flag: "    --flag[ alias][ META] : [[Required] ]description". */
static const char *flag_line(const char *out, const char *flag, char *line, size_t len)
{
	char pat[96];
	const char *p, *eol;

	snprintf(pat, sizeof(pat), "\n    %s ", flag);
	p = strstr(out, pat);
	if (!p)
		return NULL;
	p++;
	eol = strchr(p, '\n');
	snprintf(line, len, "%.*s", (int)(eol ? eol - p : (long)strlen(p)), p);
	return line;
}

Test(help, every_group_lists_its_children)
{
	size_t i;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		char cmd[128], head[160], *words, *w, *save = NULL;
		struct run_result r;

		snprintf(cmd, sizeof(cmd), "%s --help", groups[i].path);
		run_cli(&r, NULL, cmd, NULL);
		cr_expect_eq(r.code, 0, "%s: exit %d %s", cmd, r.code, r.err);
		snprintf(head, sizeof(head), "Group\n    vnetgw%s%s : ", *groups[i].path ? " " : "",
			 groups[i].path);
		cr_expect(strncmp(r.out, head, strlen(head)) == 0, "%s:\n%s", cmd, r.out);
		words = strdup(groups[i].children);
		for (w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			char line[128];
			const char *p;

			snprintf(line, sizeof(line), "\n    %s ", w);
			p = strstr(r.out, line);
			cr_expect(p != NULL, "%s: no line for '%s':\n%s", cmd, w, r.out);
			/* each with a one-line summary */
			if (p) {
				const char *colon = strstr(p + 1, " : ");
				const char *eol = strchr(p + 1, '\n');

				cr_expect(colon && eol && colon < eol && colon + 4 < eol,
					  "%s: '%s' has no summary", cmd, w);
			}
		}
		free(words);
		run_result_clear(&r);
	}
}

Test(help, every_command_lists_its_flags)
{
	size_t i, j;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char cmd[160], head[200], line[512], *words, *w, *save = NULL;
		struct run_result r;
		size_t nflags = 0;
		const char *p;

		/* -h and --help alike, and no required flag is needed for them */
		snprintf(cmd, sizeof(cmd), "%s %s", cmds[i].path, i % 2 ? "-h" : "--help");
		run_cli(&r, NULL, cmd, NULL);
		cr_expect_eq(r.code, 0, "%s: exit %d %s", cmd, r.code, r.err);
		snprintf(head, sizeof(head), "Command\n    vnetgw %s : ", cmds[i].path);
		cr_expect(strncmp(r.out, head, strlen(head)) == 0, "%s:\n%s", cmd, r.out);
		cr_expect(strstr(r.out, "\nExamples\n    vnetgw ") != NULL, "%s: no example", cmd);

		words = strdup(cmds[i].flags);
		for (w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			bool req = *w == '*';
			const char *flag = req ? w + 1 : w;

			nflags++;
			if (!flag_line(r.out, flag, line, sizeof(line))) {
				cr_expect_fail("%s: no help line for %s:\n%s", cmd, flag, r.out);
				continue;
			}
			p = strstr(line, " : ");
			cr_expect(p && strlen(p) > 8, "%s: %s has no description: %s", cmd, flag,
				  line);
			cr_expect_eq(p && strncmp(p, " : [Required] ", 14) == 0, req,
				     "%s: %s required should be %d: %s", cmd, flag, req, line);
		}
		free(words);
		for (j = 0; global_flags[j]; j++)
			cr_expect(flag_line(r.out, global_flags[j], line, sizeof(line)) != NULL,
				  "%s: global %s missing", cmd, global_flags[j]);
		/* No flag beyond the promised ones: count the Arguments section's lines. */
		p = strstr(r.out, "\nArguments\n");
		if (nflags == 0) {
			cr_expect_null(p, "%s: unexpected Arguments section", cmd);
		} else if (p) {
			size_t lines = 0;
			const char *end = strstr(p, "\n\nGlobal Arguments");

			for (p += strlen("\nArguments\n"); p && p < end; p = strchr(p, '\n') + 1)
				lines++;
			cr_expect_eq(lines, nflags, "%s: %zu flag lines, want %zu", cmd, lines,
				     nflags);
		}
		run_result_clear(&r);
	}
}
