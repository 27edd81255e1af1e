/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate: the command-line client of zonegated's management API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"

/* Options given before the command words. */
struct leading {
	bool help;
};

static void print_overview(FILE *f)
{
	const char *noun = NULL;

	fputs("usage: zonegate [--json] [--api-socket PATH] COMMAND ...\n\n"
	      "Manages zonegated through its API socket (--api-socket, else $ZONEGATE_API,\n"
	      "else " CLI_DEFAULT_SOCKET "). A resource is named by its id (vpc-1, zone-2,\n"
	      "ep-3, rule-4) or by its name. --json prints the API's JSON as it is.\n"
	      "Exit status: 0 done, 1 refused by the API, 2 bad usage, 3 daemon unreachable.\n",
	      f);
	for (const struct cmd *c = CMD_TABLE; c->noun != NULL; c++) {
		/* Verb-less commands share one group at the end. */
		const char *group = c->verb != NULL ? c->noun : "";

		if (noun == NULL || strcmp(group, noun) != 0) {
			fputc('\n', f);
			noun = group;
		}
		fprintf(f, "  zonegate %s%s%s%s%s\n", c->noun,
			c->verb != NULL ? " " : "",
			c->verb != NULL ? c->verb : "",
			*c->synopsis != '\0' ? " " : "", c->synopsis);
	}
	fputs("\nzonegate COMMAND [VERB] --help describes one command.\n", f);
}

static void print_noun_help(FILE *f, const char *noun)
{
	size_t len = strlen(noun);

	fprintf(f, "usage: zonegate %s VERB ...\n\n", noun);
	for (const struct cmd *c = CMD_TABLE; c->noun != NULL; c++) {
		/* "vpn" also lists "vpn gateway ..." and the like. */
		if (strncmp(c->noun, noun, len) == 0 &&
		    (c->noun[len] == 0 || c->noun[len] == ' ')) {
			fprintf(f, "  zonegate %s %s%s%s\n      %s\n",
				c->noun, c->verb,
				*c->synopsis != '\0' ? " " : "", c->synopsis,
				c->summary);
		}
	}
}

static bool noun_exists(const char *noun)
{
	for (const struct cmd *c = CMD_TABLE; c->noun != NULL; c++) {
		if (strcmp(c->noun, noun) == 0) {
			return true;
		}
	}
	return false;
}

/* The command of noun and verb; verb is ignored for verb-less nouns. */
static const struct cmd *find_cmd(const char *noun, const char *verb,
				  bool *has_verbs)
{
	*has_verbs = false;
	for (const struct cmd *c = CMD_TABLE; c->noun != NULL; c++) {
		if (strcmp(c->noun, noun) != 0) {
			continue;
		}
		if (c->verb == NULL) {
			return c;
		}
		*has_verbs = true;
		if (verb != NULL && strcmp(c->verb, verb) == 0) {
			return c;
		}
	}
	return NULL;
}

/*
 * Consumes the global options before the next command word, from *i on.
 * Returns 0, or CLI_EXIT_USAGE after printing why.
 */
static int take_globals(int argc, char **argv, int *i, struct cli_ctx *ctx,
			struct leading *lead)
{
	for (; *i < argc && argv[*i][0] == '-'; (*i)++) {
		const char *arg = argv[*i];

		if (strcmp(arg, "--json") == 0) {
			ctx->json = true;
		} else if (strcmp(arg, "--help") == 0 ||
			   strcmp(arg, "-h") == 0) {
			lead->help = true;
		} else if (strncmp(arg, "--api-socket=", 13) == 0) {
			ctx->socket_path = arg + 13;
		} else if (strcmp(arg, "--api-socket") == 0 && *i + 1 < argc) {
			ctx->socket_path = argv[++(*i)];
		} else if (strcmp(arg, "--api-socket") == 0) {
			fputs("zonegate: option --api-socket needs a value\n",
			      stderr);
			return CLI_EXIT_USAGE;
		} else {
			fprintf(stderr, "zonegate: unknown option %s before the command; see zonegate --help\n",
				arg);
			return CLI_EXIT_USAGE;
		}
	}
	return 0;
}

/* Parses the command's own arguments and runs it. */
static int run_cmd(const struct cmd *cmd, int argc, char **argv,
		   struct cli_ctx *ctx, bool help)
{
	struct args_parsed args;
	char err[256];

	if (args_parse(argc, argv, CMD_GLOBAL_OPTS, cmd->opts, &args, err,
		       sizeof(err)) != 0) {
		return cmd_usage_error(cmd, "%s", err);
	}
	if (help || args_has(&args, "help")) {
		cmd_print_help(stdout, cmd);
		return CLI_EXIT_OK;
	}
	if (args_has(&args, "json")) {
		ctx->json = true;
	}
	if (args_has(&args, "api-socket")) {
		ctx->socket_path = args_get(&args, "api-socket");
	}
	if (args.npos < cmd->min_pos) {
		return cmd_usage_error(cmd, "missing arguments");
	}
	if (args.npos > cmd->max_pos) {
		return cmd_usage_error(cmd, "unexpected argument '%s'",
				       args.pos[cmd->max_pos]);
	}
	return cmd->run(ctx, cmd, &args);
}

int main(int argc, char **argv)
{
	const char *env = getenv("ZONEGATE_API");
	struct cli_ctx ctx = {
		.socket_path = env != NULL && *env != '\0' ? env :
			       CLI_DEFAULT_SOCKET,
	};
	struct leading lead = { false };
	const char *noun, *verb = NULL;
	const struct cmd *cmd;
	bool has_verbs;
	int i = 1;

	if (take_globals(argc, argv, &i, &ctx, &lead) != 0) {
		return CLI_EXIT_USAGE;
	}
	if (i == argc) {
		print_overview(lead.help ? stdout : stderr);
		return lead.help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	noun = argv[i++];
	/* Two-word nouns: "zonegate vpn gateway create ...". */
	char compound[64];
	if (i < argc && snprintf(compound, sizeof(compound), "%s %s", noun,
				 argv[i]) < (int)sizeof(compound) &&
	    noun_exists(compound)) {
		noun = compound;
		i++;
	}
	if (!noun_exists(noun)) {
		fprintf(stderr, "zonegate: unknown command '%s'; see zonegate --help\n",
			noun);
		return CLI_EXIT_USAGE;
	}

	cmd = find_cmd(noun, NULL, &has_verbs);
	if (has_verbs) {
		if (take_globals(argc, argv, &i, &ctx, &lead) != 0) {
			return CLI_EXIT_USAGE;
		}
		verb = i < argc ? argv[i++] : NULL;
		cmd = verb != NULL ? find_cmd(noun, verb, &has_verbs) : NULL;
	}
	if (cmd == NULL && verb == NULL && lead.help) {
		print_noun_help(stdout, noun);
		return CLI_EXIT_OK;
	}
	if (cmd == NULL) {
		if (verb != NULL) {
			fprintf(stderr, "zonegate: unknown verb '%s' for %s\n",
				verb, noun);
		}
		print_noun_help(stderr, noun);
		return CLI_EXIT_USAGE;
	}
	return run_cmd(cmd, argc - i, argv + i, &ctx, lead.help);
}
