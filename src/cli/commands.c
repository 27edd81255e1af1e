/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The table of the CLI's commands, their options and usage texts. */
#include "cli/cmd.h"

#include <stdarg.h>
#include <string.h>

const struct args_opt CMD_GLOBAL_OPTS[] = {
	{ "json", false },
	{ "api-socket", true },
	{ "help", false },
	{ NULL, false },
};

static const struct args_opt VPC_CREATE_OPTS[] = {
	{ "cidr", true }, { "listen", true }, { "no-builtin-zones", false },
	{ NULL, false },
};
static const struct args_opt VPC_UPDATE_OPTS[] = {
	{ "name", true }, { "cidr", true }, { "add-cidr", true },
	{ "del-cidr", true }, { "listen", true }, { "add-listen", true },
	{ "del-listen", true }, { "builtin-zones", true }, { NULL, false },
};
static const struct args_opt ZONE_OPTS[] = {
	{ "proxy-pattern", true }, { "soa-ttl", true },
	{ "soa-refresh", true }, { "soa-retry", true },
	{ "soa-expire", true }, { "soa-minimum", true },
	{ "soa-mname", true }, { "soa-rname", true }, { "ns", true },
	{ NULL, false },
};
static const struct args_opt VPC_OPT[] = {
	{ "vpc", true }, { NULL, false },
};
static const struct args_opt RECORD_ADD_OPTS[] = {
	{ "ttl", true }, { NULL, false },
};
static const struct args_opt ENDPOINT_CREATE_OPTS[] = {
	{ "vpc", true }, { "source", true }, { "allow", true },
	{ NULL, false },
};
static const struct args_opt ENDPOINT_UPDATE_OPTS[] = {
	{ "name", true }, { "source", true }, { "add-source", true },
	{ "del-source", true }, { "allow", true }, { "add-allow", true },
	{ "del-allow", true }, { NULL, false },
};
static const struct args_opt RULE_CREATE_OPTS[] = {
	{ "domain", true }, { "endpoint", true }, { "target", true },
	{ "try-timeout-ms", true }, { "total-timeout-ms", true },
	{ "tcp-only", true }, { "authoritative", true }, { "cookies", true },
	{ "case-randomization", true }, { "hedging", true },
	{ "serve-stale", true }, { "max-stale", true },
	{ NULL, false },
};
static const struct args_opt RULE_UPDATE_OPTS[] = {
	{ "name", true }, { "endpoint", true }, { "target", true },
	{ "try-timeout-ms", true }, { "total-timeout-ms", true },
	{ "tcp-only", true }, { "authoritative", true }, { "cookies", true },
	{ "case-randomization", true }, { "hedging", true },
	{ "serve-stale", true }, { "max-stale", true },
	{ NULL, false },
};
static const struct args_opt CACHE_FLUSH_OPTS[] = {
	{ "name", true }, { "rule", true }, { "upstream", true },
	{ NULL, false },
};
static const struct args_opt DOCTOR_OPTS[] = {
	{ "timeout", true }, { NULL, false },
};
static const struct args_opt STATS_OPTS[] = {
	{ "rule", true }, { NULL, false },
};
static const struct args_opt UPSTREAM_SET_OPTS[] = {
	{ "vpc", true }, { "source", true }, { NULL, false },
};

static const struct args_opt VPN_GATEWAY_OPTS[] = {
	{ "vpc", true }, { "public-ip", true }, { "local-subnet", true },
	{ NULL, false },
};
static const struct args_opt VPN_CGW_OPTS[] = {
	{ "ip", true }, { NULL, false },
};
/* create takes every option; update all but the two gateways. */
static const struct args_opt VPN_CONNECTION_OPTS[] = {
	{ "gateway", true }, { "customer-gateway", true },
	{ "local-subnet", true }, { "remote-subnet", true }, { "psk", true },
	{ "ike-version", true }, { "ike-mode", true },
	{ "ike-encryption", true }, { "ike-integrity", true },
	{ "ike-dh-group", true }, { "ike-lifetime", true },
	{ "esp-encryption", true }, { "esp-integrity", true },
	{ "esp-pfs", true }, { "esp-lifetime", true },
	{ "dpd-interval", true }, { "allow-weak-crypto", false },
	{ "disabled", false }, { NULL, false },
};
static const struct args_opt VPN_CONNECTION_UPDATE_OPTS[] = {
	{ "name", true }, { "local-subnet", true }, { "remote-subnet", true },
	{ "psk", true }, { "ike-version", true }, { "ike-mode", true },
	{ "ike-encryption", true }, { "ike-integrity", true },
	{ "ike-dh-group", true }, { "ike-lifetime", true },
	{ "esp-encryption", true }, { "esp-integrity", true },
	{ "esp-pfs", true }, { "esp-lifetime", true },
	{ "dpd-interval", true }, { "allow-weak-crypto", false },
	{ "no-allow-weak-crypto", false }, { "disabled", false },
	{ NULL, false },
};
static const struct args_opt VPN_SHOW_OPTS[] = {
	{ "psk", false }, { NULL, false },
};
static const struct args_opt VPN_ROUTE_OPTS[] = {
	{ "connection", true }, { NULL, false },
};
static const struct args_opt VPN_DOWNLOAD_OPTS[] = {
	{ "format", true }, { "output-dir", true }, { NULL, false },
};

const struct cmd CMD_TABLE[] = {
	{ "vpc", "create",
	  "NAME --cidr CIDR [--cidr CIDR ...] [--listen ADDR[:PORT] ...] [--no-builtin-zones]",
	  "create a VPC: its client CIDRs and the addresses it listens on",
	  VPC_CREATE_OPTS, 1, 1, cmd_vpc_create },
	{ "vpc", "update",
	  "VPC [--name NAME] [--cidr CIDR ...] [--add-cidr CIDR] [--del-cidr CIDR] [--listen ADDR ...] [--add-listen ADDR] [--del-listen ADDR] [--builtin-zones yes|no]",
	  "change a VPC; --cidr and --listen replace the lists, --add-* and --del-* edit them",
	  VPC_UPDATE_OPTS, 1, 1, cmd_vpc_update },
	{ "vpc", "list", "", "list VPCs", NULL, 0, 0, cmd_vpc_list },
	{ "vpc", "show", "VPC", "show a VPC", NULL, 1, 1, cmd_vpc_show },
	{ "vpc", "delete", "VPC", "delete a VPC nothing refers to",
	  NULL, 1, 1, cmd_vpc_delete },

	{ "zone", "create",
	  "NAME [--proxy-pattern zone|record] [--soa-ttl N] [--soa-refresh N] [--soa-retry N] [--soa-expire N] [--soa-minimum N] [--soa-mname NAME] [--soa-rname NAME] [--ns NAME ...]",
	  "create a private zone", ZONE_OPTS, 1, 1, cmd_zone_create },
	{ "zone", "set",
	  "ZONE [--proxy-pattern zone|record] [--soa-ttl N] [--soa-refresh N] [--soa-retry N] [--soa-expire N] [--soa-minimum N] [--soa-mname NAME] [--soa-rname NAME] [--ns NAME ...]",
	  "change a zone's proxy pattern, SOA fields or NS names (--ns replaces the list)",
	  ZONE_OPTS, 1, 1, cmd_zone_set },
	{ "zone", "bind", "ZONE --vpc VPC", "serve a zone to a VPC",
	  VPC_OPT, 1, 1, cmd_zone_bind },
	{ "zone", "unbind", "ZONE --vpc VPC", "stop serving a zone to a VPC",
	  VPC_OPT, 1, 1, cmd_zone_unbind },
	{ "zone", "list", "", "list zones", NULL, 0, 0, cmd_zone_list },
	{ "zone", "show", "ZONE", "show a zone", NULL, 1, 1, cmd_zone_show },
	{ "zone", "delete", "ZONE", "delete a zone and its records",
	  NULL, 1, 1, cmd_zone_delete },

	{ "record", "add", "ZONE NAME TYPE VALUE [--ttl N]",
	  "add a record; TYPE is a mnemonic (A AAAA CNAME MX TXT PTR SRV NS CAA TLSA SSHFP NAPTR HINFO SVCB HTTPS LOC URI DS ...) or TYPEnnn (RFC 3597), not SOA, DNAME or a DNSSEC type but DS; VALUE is one argument in master-file syntax, e.g. \"10 mail.example.com.\", or \"\\# LEN HEX\"",
	  RECORD_ADD_OPTS, 4, 4, cmd_record_add },
	{ "record", "list", "ZONE", "list the records of a zone",
	  NULL, 1, 1, cmd_record_list },
	{ "record", "show", "ZONE REC-ID", "show one record",
	  NULL, 2, 2, cmd_record_show },
	{ "record", "delete", "ZONE NAME TYPE [VALUE] | ZONE REC-ID",
	  "delete a whole RRset, one value of it, or one record by id",
	  NULL, 2, 4, cmd_record_delete },

	{ "endpoint", "create",
	  "NAME --vpc VPC --source ADDR[,ADDR...] [--allow PROTO:PORT:PREFIX ...]",
	  "create an outbound endpoint; PROTO is udp, tcp or any, PORT 0 is any port (default: udp and tcp port 53 to anywhere)",
	  ENDPOINT_CREATE_OPTS, 1, 1, cmd_endpoint_create },
	{ "endpoint", "update",
	  "EP [--name NAME] [--source ADDR[,ADDR...]] [--add-source ADDR] [--del-source ADDR] [--allow PROTO:PORT:PREFIX ...] [--add-allow RULE] [--del-allow RULE]",
	  "change an endpoint; --source and --allow replace the lists, --add-* and --del-* edit them",
	  ENDPOINT_UPDATE_OPTS, 1, 1, cmd_endpoint_update },
	{ "endpoint", "list", "", "list outbound endpoints",
	  NULL, 0, 0, cmd_endpoint_list },
	{ "endpoint", "show", "EP", "show an outbound endpoint",
	  NULL, 1, 1, cmd_endpoint_show },
	{ "endpoint", "delete", "EP", "delete an outbound endpoint",
	  NULL, 1, 1, cmd_endpoint_delete },

	{ "rule", "create",
	  "NAME --domain DOMAIN --endpoint EP --target IP[:PORT][,...] [--serve-stale yes|no] [--max-stale SECONDS] [--try-timeout-ms MS] [--total-timeout-ms MS] [--tcp-only yes|no] [--authoritative yes|no] [--cookies yes|no] [--case-randomization yes|no] [--hedging yes|no]",
	  "create a forwarding rule; timeouts 0 take the defaults (adaptive, 6000)",
	  RULE_CREATE_OPTS, 1, 1, cmd_rule_create },
	{ "rule", "update",
	  "RULE [--name NAME] [--target IP[:PORT][,...]] [--endpoint EP] [--serve-stale yes|no] [--max-stale SECONDS] [--try-timeout-ms MS] [--total-timeout-ms MS] [--tcp-only yes|no] [--authoritative yes|no] [--cookies yes|no] [--case-randomization yes|no] [--hedging yes|no]",
	  "change a rule's name, targets (replaced), endpoint, serve-stale setting or how its targets are asked",
	  RULE_UPDATE_OPTS, 1, 1, cmd_rule_update },
	{ "rule", "bind", "RULE --vpc VPC", "apply a rule in a VPC",
	  VPC_OPT, 1, 1, cmd_rule_bind },
	{ "rule", "unbind", "RULE --vpc VPC", "stop applying a rule in a VPC",
	  VPC_OPT, 1, 1, cmd_rule_unbind },
	{ "rule", "list", "", "list forwarding rules",
	  NULL, 0, 0, cmd_rule_list },
	{ "rule", "show", "RULE", "show a forwarding rule",
	  NULL, 1, 1, cmd_rule_show },
	{ "rule", "targets", "RULE",
	  "show each target's health: up or down, round trip, failures",
	  NULL, 1, 1, cmd_rule_targets },
	{ "rule", "delete", "RULE", "delete a forwarding rule",
	  NULL, 1, 1, cmd_rule_delete },

	{ "upstream", "set", "IP[:PORT][,...] [--vpc VPC] [--source ADDR]",
	  "set the default upstreams, global or of one VPC",
	  UPSTREAM_SET_OPTS, 1, ARGS_MAX_POS, cmd_upstream_set },
	{ "upstream", "show", "[--vpc VPC]",
	  "show the default upstreams, global or of one VPC",
	  VPC_OPT, 0, 0, cmd_upstream_show },
	{ "upstream", "unset", "[--vpc VPC]",
	  "remove the default upstreams, global or of one VPC",
	  VPC_OPT, 0, 0, cmd_upstream_unset },
	{ "upstream", "list", "", "list every default upstream setting",
	  NULL, 0, 0, cmd_upstream_list },

	{ "cache", "flush", "[--name NAME] [--rule RULE] [--upstream global|VPC]",
	  "drop cached answers: of one name, of one rule or upstream, or all",
	  CACHE_FLUSH_OPTS, 0, 0, cmd_cache_flush },
	{ "cache", "stats", "",
	  "show the answer cache's size, hits, misses and evictions",
	  NULL, 0, 0, cmd_cache_stats },

	{ "doctor", NULL, "RULE|VPC [--timeout MS]",
	  "check the path of a rule's forwarded queries (all rules of a VPC): sources, loops, security group, route, tunnel, SOA from each target",
	  DOCTOR_OPTS, 1, 1, cmd_doctor },
	{ "explain", NULL, "--vpc VPC NAME [TYPE]",
	  "show which step would answer a query from a VPC, and why",
	  VPC_OPT, 1, 2, cmd_explain },
	{ "lint", NULL, "",
	  "list zones and rules that shadow each other, rules never reached and other set-ups to fix",
	  NULL, 0, 0, cmd_lint },
	{ "stats", NULL, "[--rule RULE]",
	  "show query counters per rule, upstream, zone and target; with --rule, one rule and its targets' health",
	  STATS_OPTS, 0, 0, cmd_stats },
	{ "changes", NULL, "", "list the change log, oldest first",
	  NULL, 0, 0, cmd_changes },
	{ "status", NULL, "", "show the daemon's versions and uptime",
	  NULL, 0, 0, cmd_status },
	{ "backup", NULL, "FILE",
	  "write a consistent copy of the state database to FILE (written by the daemon)",
	  NULL, 1, 1, cmd_backup },
	{ "restore", NULL, "FILE",
	  "replace the state with the backup in FILE and serve it",
	  NULL, 1, 1, cmd_restore },

	{ "secondary", "create",
	  "ZONE --primary IP[:PORT][,...] [--tsig KEY] [--endpoint EP] [--allow-notify IP[,...]] [--max-records N] [--max-bytes N] [--proxy-pattern zone|record]",
	  "create a secondary zone, transferred from its primaries (zone bind/unbind/list/show/delete apply)",
	  CMD_SECONDARY_CREATE_OPTS, 1, 1, cmd_secondary_create },
	{ "secondary", "update",
	  "ZONE [--primary IP[:PORT][,...]] [--tsig KEY | --no-tsig] [--endpoint EP | --no-endpoint] [--allow-notify IP[,...] | --no-allow-notify] [--max-records N] [--max-bytes N]",
	  "change a secondary zone's primaries, TSIG key, endpoint, NOTIFY senders or limits (lists are replaced)",
	  CMD_SECONDARY_UPDATE_OPTS, 1, 1, cmd_secondary_update },
	{ "secondary", "status", "[ZONE]",
	  "show the sync status of secondary zones: serial, last success and error, next refresh, lag",
	  NULL, 0, 1, cmd_secondary_status },
	{ "secondary", "refresh", "ZONE",
	  "check the primaries' SOA now and transfer what is newer",
	  NULL, 1, 1, cmd_secondary_refresh },

	{ "tsig", "create", "NAME [--algorithm ALG] [--secret BASE64]",
	  "create a TSIG key (hmac-sha256 by default; hmac-sha384, hmac-sha512, hmac-sha1); a generated secret is printed once; a key serves one zone",
	  CMD_TSIG_CREATE_OPTS, 1, 1, cmd_tsig_create },
	{ "tsig", "show", "KEY [--secret]",
	  "show a TSIG key; its secret only with --secret",
	  CMD_TSIG_SHOW_OPTS, 1, 1, cmd_tsig_show },
	{ "tsig", "list", "", "list TSIG keys (never their secrets)",
	  NULL, 0, 0, cmd_tsig_list },
	{ "tsig", "delete", "KEY", "delete a TSIG key no zone uses",
	  NULL, 1, 1, cmd_tsig_delete },

	{ "zone", "import", "ZONE FILE [--create]",
	  "replace a private zone's records with those of a zone file, which holds the zone's SOA (all or nothing; FILE - is standard input); --create makes the zone first",
	  CMD_ZONE_IMPORT_OPTS, 2, 2, cmd_zone_import },
	{ "zone", "export", "ZONE",
	  "print a private zone as a zone file (RFC 1035 master format)",
	  NULL, 1, 1, cmd_zone_export },
	{ "zone", "transfer",
	  "ZONE [--allow CIDR[,...] [--tsig KEY] [--notify IP[:PORT][,...]] [--notify-source IP] | --none]",
	  "set who may transfer a private zone out (AXFR/IXFR) and whom to NOTIFY (replaces the settings); --notify-source pins the address NOTIFYs leave from (a listener or inbound endpoint of the zone's VPCs); --none stops transfers; no option shows them",
	  CMD_ZONE_TRANSFER_OPTS, 1, 1, cmd_zone_transfer },
	{ "zone", "update-policy",
	  "ZONE [--grant KEY [--name NAME | --subtree NAME] [--types TYPE,...] | --revoke KEY]",
	  "let a TSIG key update a private zone (RFC 2136): the whole zone, a name or a subtree (NAME fully qualified, as in BIND's update-policy); no types: all but the apex SOA and NS; --revoke drops the key's grants; no option shows them",
	  CMD_ZONE_POLICY_OPTS, 1, 1, cmd_zone_update_policy },

	{ "inbound", "create",
	  "NAME --vpc VPC --listen ADDR[:PORT][,...] --allow CIDR[,...]",
	  "create an inbound endpoint: addresses where clients outside the VPCs (on premises) from the allowed CIDRs are answered as the VPC",
	  CMD_INBOUND_CREATE_OPTS, 1, 1, cmd_inbound_create },
	{ "inbound", "update",
	  "IN [--name NAME] [--vpc VPC] [--listen ADDR[:PORT][,...]] [--allow CIDR[,...]]",
	  "change an inbound endpoint; --listen and --allow replace the lists",
	  CMD_INBOUND_UPDATE_OPTS, 1, 1, cmd_inbound_update },
	{ "inbound", "list", "", "list inbound endpoints",
	  NULL, 0, 0, cmd_inbound_list },
	{ "inbound", "show", "IN", "show an inbound endpoint",
	  NULL, 1, 1, cmd_inbound_show },
	{ "inbound", "delete", "IN", "delete an inbound endpoint",
	  NULL, 1, 1, cmd_inbound_delete },

	{ "vpn gateway", "create",
	  "NAME --vpc VPC --public-ip IP --local-subnet CIDR[,CIDR...]",
	  "create a VPN gateway: the VPC's end of IPsec tunnels",
	  VPN_GATEWAY_OPTS, 1, 1, cmd_vpn_gateway_create },
	{ "vpn gateway", "list", "", "list VPN gateways",
	  NULL, 0, 0, cmd_vpn_gateway_list },
	{ "vpn gateway", "show", "GW", "show a VPN gateway",
	  NULL, 1, 1, cmd_vpn_gateway_show },
	{ "vpn gateway", "delete", "GW",
	  "delete a VPN gateway no connection uses",
	  NULL, 1, 1, cmd_vpn_gateway_delete },
	{ "vpn customer-gateway", "create", "NAME --ip IP",
	  "create a customer gateway: the on-premises end",
	  VPN_CGW_OPTS, 1, 1, cmd_vpn_cgw_create },
	{ "vpn customer-gateway", "list", "", "list customer gateways",
	  NULL, 0, 0, cmd_vpn_cgw_list },
	{ "vpn customer-gateway", "show", "CGW", "show a customer gateway",
	  NULL, 1, 1, cmd_vpn_cgw_show },
	{ "vpn customer-gateway", "delete", "CGW",
	  "delete a customer gateway no connection uses",
	  NULL, 1, 1, cmd_vpn_cgw_delete },
	{ "vpn connection", "create",
	  "NAME --gateway GW --customer-gateway CGW --remote-subnet CIDR[,...] [--local-subnet CIDR[,...]] [--psk KEY] [--ike-version 1|2] [--ike-mode main|aggressive] [--ike-encryption ALG] [--ike-integrity ALG] [--ike-dh-group GROUP] [--ike-lifetime S] [--esp-encryption ALG] [--esp-integrity ALG|none] [--esp-pfs GROUP|none] [--esp-lifetime S] [--dpd-interval S] [--allow-weak-crypto] [--disabled]",
	  "create an IPsec connection (default IKEv2 aes256-sha256-modp2048); without --psk a key is generated and printed once",
	  VPN_CONNECTION_OPTS, 1, 1, cmd_vpn_connection_create },
	{ "vpn connection", "update",
	  "CONN [--name NAME] [--local-subnet CIDR[,...]] [--remote-subnet CIDR[,...]] [--psk KEY] [crypto options as for create] [--allow-weak-crypto|--no-allow-weak-crypto] [--disabled]",
	  "change an IPsec connection; subnet options replace the lists",
	  VPN_CONNECTION_UPDATE_OPTS, 1, 1, cmd_vpn_connection_update },
	{ "vpn connection", "list", "", "list IPsec connections",
	  NULL, 0, 0, cmd_vpn_connection_list },
	{ "vpn connection", "show", "CONN [--psk]",
	  "show an IPsec connection; --psk prints only its pre-shared key",
	  VPN_SHOW_OPTS, 1, 1, cmd_vpn_connection_show },
	{ "vpn connection", "delete", "CONN",
	  "delete an IPsec connection without routes",
	  NULL, 1, 1, cmd_vpn_connection_delete },
	{ "vpn connection", "initiate", "CONN",
	  "enable a connection: charon brings its tunnel up and keeps it up",
	  NULL, 1, 1, cmd_vpn_connection_initiate },
	{ "vpn connection", "terminate", "CONN",
	  "disable a connection: its tunnel is closed and taken out of charon",
	  NULL, 1, 1, cmd_vpn_connection_terminate },
	{ "vpn route", "add", "CIDR --connection CONN",
	  "send CIDR through a connection's tunnel",
	  VPN_ROUTE_OPTS, 1, 1, cmd_vpn_route_add },
	{ "vpn route", "list", "", "list VPN routes",
	  NULL, 0, 0, cmd_vpn_route_list },
	{ "vpn route", "show", "ROUTE", "show a VPN route (id or CIDR)",
	  NULL, 1, 1, cmd_vpn_route_show },
	{ "vpn route", "delete", "ROUTE", "delete a VPN route (id or CIDR)",
	  NULL, 1, 1, cmd_vpn_route_delete },
	{ "vpn", "download",
	  "CONN [--format swanctl|ipsec] [--output-dir DIR]",
	  "print (or write to DIR, mode 0600) the strongSwan configuration of the on-premises end, pre-shared key included",
	  VPN_DOWNLOAD_OPTS, 1, 1, cmd_vpn_download },
	{ "vpn", "status", "[CONN]",
	  "show charon's reachability and each tunnel's IKE and CHILD SAs, bytes and time up",
	  NULL, 0, 1, cmd_vpn_status },

	{ NULL, NULL, NULL, NULL, NULL, 0, 0, NULL },
};

static void print_usage_line(FILE *f, const struct cmd *cmd)
{
	fprintf(f, "usage: zonegate %s%s%s%s%s\n", cmd->noun,
		cmd->verb != NULL ? " " : "",
		cmd->verb != NULL ? cmd->verb : "",
		*cmd->synopsis != '\0' ? " " : "", cmd->synopsis);
}

int cmd_usage_error(const struct cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("zonegate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_usage_line(stderr, cmd);
	return CLI_EXIT_USAGE;
}

void cmd_print_help(FILE *f, const struct cmd *cmd)
{
	print_usage_line(f, cmd);
	fprintf(f, "\n%s.\n\n", cmd->summary);
	fputs("A resource (VPC, ZONE, EP, RULE) is named by its id (vpc-1) or its name.\n", f);
	fputs("Global options: --json (print the API's JSON), --api-socket PATH.\n", f);
}
