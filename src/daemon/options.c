/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Parsing zonegated's command line and config file into one settings
 * struct, with one validation routine for both. */
#include "daemon/options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define MAX_LINE 4096
#define MAX_CLI_SETTINGS 256

enum {
	OPT_LOG_LEVEL = 256,
	OPT_LOG_FILE,
	OPT_DNS_LISTEN,
	OPT_API_SOCKET,
	OPT_STATE,
	OPT_VICI_SOCKET,
	OPT_TCP_PER_CLIENT,
	OPT_CACHE_SIZE,
	OPT_CACHE_MAX_TTL,
	OPT_CACHE_MAX_NEG_TTL,
	OPT_CACHE_MIN_TTL,
	OPT_CACHE_MIN_NEG_TTL,
	OPT_QUERY_LOG,
};

static const struct option long_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "dns-listen", required_argument, NULL, OPT_DNS_LISTEN },
	{ "api-socket", required_argument, NULL, OPT_API_SOCKET },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "vici-socket", required_argument, NULL, OPT_VICI_SOCKET },
	{ "cache-size", required_argument, NULL, OPT_CACHE_SIZE },
	{ "cache-max-ttl", required_argument, NULL, OPT_CACHE_MAX_TTL },
	{ "cache-max-negative-ttl", required_argument, NULL,
	  OPT_CACHE_MAX_NEG_TTL },
	{ "cache-min-ttl", required_argument, NULL, OPT_CACHE_MIN_TTL },
	{ "cache-min-negative-ttl", required_argument, NULL,
	  OPT_CACHE_MIN_NEG_TTL },
	{ "workers", required_argument, NULL, 'w' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "query-log", required_argument, NULL, OPT_QUERY_LOG },
	{ "tcp-max-per-client", required_argument, NULL, OPT_TCP_PER_CLIENT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char short_options[] = ":c:w:fhV";

/* One setting taken from the command line, applied after the file. */
struct cli_setting {
	const char *key;	/* long option name */
	const char *value;	/* points into argv */
};

int options_init(struct daemon_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->api_socket = strdup(OPTIONS_DEFAULT_API_SOCKET);
	opts->state_path = strdup(OPTIONS_DEFAULT_STATE);
	opts->vici_socket = strdup(OPTIONS_DEFAULT_VICI_SOCKET);
	opts->log_level = ZG_LOG_NOTICE;
	opts->cache_max_ttl = -1;
	opts->cache_max_neg_ttl = -1;
	opts->cache_min_ttl = -1;
	opts->cache_min_neg_ttl = -1;
	if (opts->api_socket == NULL || opts->state_path == NULL ||
	    opts->vici_socket == NULL) {
		return ZG_ENOMEM;
	}
	return 0;
}

void options_free(struct daemon_options *opts)
{
	if (opts == NULL) {
		return;
	}
	free(opts->config_path);
	free(opts->dns_listen);
	free(opts->api_socket);
	free(opts->state_path);
	free(opts->vici_socket);
	free(opts->log_file);
	free(opts->query_log);
	memset(opts, 0, sizeof(*opts));
}

void options_usage(FILE *out, const char *program)
{
	fprintf(out,
		"Usage: %s [OPTION]...\n"
		"Serve private zones and forwarding rules to the clients of each VPC.\n"
		"\n"
		"  -c, --config FILE        read settings from FILE (key = value lines,\n"
		"                           keys as the long options below)\n"
		"      --dns-listen ADDR[:PORT]\n"
		"                           also listen on this address, UDP and TCP;\n"
		"                           repeatable; IPv6 as [ADDR]:PORT; port 53\n"
		"                           by default\n"
		"      --api-socket PATH    management API socket\n"
		"                           (default %s)\n"
		"      --state PATH         state database (SQLite)\n"
		"                           (default %s)\n"
		"      --vici-socket PATH   charon's VICI socket, used while IPsec\n"
		"                           connections exist (default\n"
		"                           " OPTIONS_DEFAULT_VICI_SOCKET ")\n"
		"  -w, --workers N          DNS worker threads (default: one per CPU)\n"
		"      --tcp-max-per-client N\n"
		"                           TCP connections one client address may\n"
		"                           hold open in each worker (1-256, default\n"
		"                           16)\n"
		"  -f, --foreground         stay in the foreground\n"
		"      --log-level LEVEL    error, warning, notice (default), info or\n"
		"                           debug\n"
		"      --log-file PATH      log to PATH (default: standard error in the\n"
		"                           foreground, syslog in the background)\n"
		"      --cache-size N[K|M|G]\n"
		"                           memory for cached answers (default 64M)\n"
		"      --cache-max-ttl S    longest TTL of a cached answer (default\n"
		"                           86400)\n"
		"      --cache-max-negative-ttl S\n"
		"                           longest TTL of a cached negative answer\n"
		"                           (default 3600)\n"
		"      --cache-min-ttl S, --cache-min-negative-ttl S\n"
		"                           shortest TTLs kept (default 0: none)\n"
		"      --query-log PATH     append one JSON line per answered query to\n"
		"                           PATH (written by a thread of its own; lines\n"
		"                           are dropped and counted when it falls behind)\n"
		"  -h, --help               show this help and exit\n"
		"  -V, --version            show the version and exit\n"
		"\n"
		"Options on the command line override the config file; --dns-listen\n"
		"there replaces the file's list. SIGTERM or SIGINT stop the daemon;\n"
		"SIGHUP reopens the log file and the query log.\n",
		program, OPTIONS_DEFAULT_API_SOCKET, OPTIONS_DEFAULT_STATE);
}

static int set_string(char **field, const char *value)
{
	char *copy = strdup(value);
	if (copy == NULL) {
		return ZG_ENOMEM;
	}
	free(*field);
	*field = copy;
	return 0;
}

static int add_dns_listen(struct daemon_options *opts, const char *value,
			  char *err, size_t errlen)
{
	struct zg_addr addr;
	if (addr_parse(value, OPTIONS_DEFAULT_DNS_PORT, &addr) != 0) {
		snprintf(err, errlen,
			 "'%s' is not an address (ADDR, ADDR:PORT or [IPV6]:PORT, port 1-65535)",
			 value);
		return ZG_EINVAL;
	}
	if (opts->n_dns_listen >= OPTIONS_MAX_DNS_LISTEN) {
		snprintf(err, errlen, "more than %d addresses",
			 OPTIONS_MAX_DNS_LISTEN);
		return ZG_EINVAL;
	}

	struct zg_addr *list = realloc(opts->dns_listen,
				       (opts->n_dns_listen + 1) * sizeof(*list));
	if (list == NULL) {
		return ZG_ENOMEM;
	}
	list[opts->n_dns_listen++] = addr;
	opts->dns_listen = list;
	return 0;
}

static int set_workers(struct daemon_options *opts, const char *value,
		       char *err, size_t errlen)
{
	char *end = NULL;
	errno = 0;
	long n = strtol(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 ||
	    n < 1 || n > OPTIONS_MAX_WORKERS) {
		snprintf(err, errlen, "'%s' is not a number from 1 to %d",
			 value, OPTIONS_MAX_WORKERS);
		return ZG_EINVAL;
	}
	opts->workers = (unsigned)n;
	return 0;
}

static int set_tcp_per_client(struct daemon_options *opts,
			      const char *value, char *err, size_t errlen)
{
	char *end = NULL;
	errno = 0;
	long n = strtol(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 ||
	    n < 1 || n > OPTIONS_MAX_TCP_PER_CLIENT) {
		snprintf(err, errlen, "'%s' is not a number from 1 to %d",
			 value, OPTIONS_MAX_TCP_PER_CLIENT);
		return ZG_EINVAL;
	}
	opts->tcp_per_client = (unsigned)n;
	return 0;
}

static int set_bool(bool *field, const char *value, char *err, size_t errlen)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*field = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*field = false;
			return 0;
		}
	}
	snprintf(err, errlen, "'%s' is not yes or no", value);
	return ZG_EINVAL;
}

static int set_log_level(struct daemon_options *opts, const char *value,
			 char *err, size_t errlen)
{
	int level = zg_log_level_parse(value);
	if (level < 0) {
		snprintf(err, errlen,
			 "'%s' is not one of error, warning, notice, info, debug",
			 value);
		return ZG_EINVAL;
	}
	opts->log_level = (enum zg_log_level)level;
	return 0;
}

static int set_path(char **field, const char *value, char *err, size_t errlen)
{
	if (value[0] == '\0') {
		snprintf(err, errlen, "the path is empty");
		return ZG_EINVAL;
	}
	return set_string(field, value);
}

/* Seconds of a cache TTL limit, 0 to 2147483647 (RFC 2181 section 8). */
static int set_ttl(int64_t *field, const char *value, char *err,
		   size_t errlen)
{
	char *end = NULL;
	errno = 0;
	long long n = strtoll(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 ||
	    n > 2147483647) {
		snprintf(err, errlen, "'%s' is not a number of seconds from 0 to 2147483647",
			 value);
		return ZG_EINVAL;
	}
	*field = n;
	return 0;
}

/* Bytes with an optional K, M or G (powers of 1024), at least 1M. */
static int set_size(size_t *field, const char *value, char *err,
		    size_t errlen)
{
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(value, &end, 10);
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k') {
		shift = 10;
	} else if (*end == 'M' || *end == 'm') {
		shift = 20;
	} else if (*end == 'G' || *end == 'g') {
		shift = 30;
	}
	if (shift != 0) {
		end++;
	}
	if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 ||
	    n > (1ULL << 40) >> shift || (n << shift) < (1ULL << 20)) {
		snprintf(err, errlen, "'%s' is not a size from 1M to 1024G (bytes, or with K, M or G)",
			 value);
		return ZG_EINVAL;
	}
	*field = (size_t)(n << shift);
	return 0;
}

static int apply_cache_setting(struct daemon_options *opts, const char *key,
			       const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "cache-size") == 0) {
		return set_size(&opts->cache_size, value, err, errlen);
	}
	if (strcmp(key, "cache-max-ttl") == 0) {
		return set_ttl(&opts->cache_max_ttl, value, err, errlen);
	}
	if (strcmp(key, "cache-max-negative-ttl") == 0) {
		return set_ttl(&opts->cache_max_neg_ttl, value, err, errlen);
	}
	if (strcmp(key, "cache-min-ttl") == 0) {
		return set_ttl(&opts->cache_min_ttl, value, err, errlen);
	}
	if (strcmp(key, "cache-min-negative-ttl") == 0) {
		return set_ttl(&opts->cache_min_neg_ttl, value, err, errlen);
	}
	snprintf(err, errlen, "unknown setting");
	return ZG_EINVAL;
}

/*
 * The one place a setting is validated and stored, for the command line
 * and the file alike. err receives the problem without the key.
 */
static int apply_setting(struct daemon_options *opts, const char *key,
			 const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "dns-listen") == 0) {
		return add_dns_listen(opts, value, err, errlen);
	}
	if (strcmp(key, "api-socket") == 0) {
		return set_path(&opts->api_socket, value, err, errlen);
	}
	if (strcmp(key, "state") == 0) {
		return set_path(&opts->state_path, value, err, errlen);
	}
	if (strcmp(key, "vici-socket") == 0) {
		return set_path(&opts->vici_socket, value, err, errlen);
	}
	if (strcmp(key, "workers") == 0) {
		return set_workers(opts, value, err, errlen);
	}
	if (strcmp(key, "tcp-max-per-client") == 0) {
		return set_tcp_per_client(opts, value, err, errlen);
	}
	if (strcmp(key, "foreground") == 0) {
		return set_bool(&opts->foreground, value, err, errlen);
	}
	if (strcmp(key, "log-level") == 0) {
		return set_log_level(opts, value, err, errlen);
	}
	if (strcmp(key, "log-file") == 0) {
		return set_path(&opts->log_file, value, err, errlen);
	}
	if (strcmp(key, "query-log") == 0) {
		return set_path(&opts->query_log, value, err, errlen);
	}
	if (strncmp(key, "cache-", 6) == 0) {
		return apply_cache_setting(opts, key, value, err, errlen);
	}
	snprintf(err, errlen, "unknown setting");
	return ZG_EINVAL;
}

static char *trim(char *text)
{
	while (*text == ' ' || *text == '\t') {
		text++;
	}
	size_t len = strlen(text);
	while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL) {
		text[--len] = '\0';
	}
	return text;
}

/* Cuts a comment: '#' at the start or after white space. */
static void cut_comment(char *line)
{
	for (char *p = line; *p != '\0'; p++) {
		if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

static int apply_line(struct daemon_options *opts, char *line,
		      char *err, size_t errlen)
{
	char problem[256] = "";

	cut_comment(line);
	char *text = trim(line);
	if (*text == '\0') {
		return 0;
	}

	char *eq = strchr(text, '=');
	if (eq == NULL) {
		snprintf(err, errlen, "'%s' is not 'key = value'", text);
		return ZG_EINVAL;
	}
	*eq = '\0';
	char *key = trim(text);
	char *value = trim(eq + 1);
	if (strcmp(key, "config") == 0 || strcmp(key, "help") == 0 ||
	    strcmp(key, "version") == 0) {
		snprintf(err, errlen, "%s: not allowed in a config file", key);
		return ZG_EINVAL;
	}
	if (*value == '\0') {
		snprintf(err, errlen, "%s: no value after '='", key);
		return ZG_EINVAL;
	}

	int ret = apply_setting(opts, key, value, problem, sizeof(problem));
	if (ret == ZG_EINVAL) {
		snprintf(err, errlen, "%s: %s", key, problem);
	}
	return ret;
}

int options_load_file(const char *path, struct daemon_options *opts,
		      char *err, size_t errlen)
{
	char line[MAX_LINE];
	char problem[512];
	unsigned lineno = 0;
	int ret = 0;

	FILE *file = fopen(path, "r");
	if (file == NULL) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 zg_strerror(ret));
		return ret;
	}

	while (ret == 0 && fgets(line, sizeof(line), file) != NULL) {
		lineno++;
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			snprintf(err, errlen, "%s:%u: line longer than %d bytes",
				 path, lineno, MAX_LINE - 2);
			ret = ZG_EINVAL;
			break;
		}
		ret = apply_line(opts, line, problem, sizeof(problem));
		if (ret == ZG_EINVAL) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno,
				 problem);
		}
	}
	if (ret == 0 && ferror(file)) {
		ret = -EIO;
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 zg_strerror(ret));
	}
	fclose(file);
	return ret;
}

static const char *long_name(int val)
{
	for (const struct option *o = long_options; o->name != NULL; o++) {
		if (o->val == val) {
			return o->name;
		}
	}
	return "?";
}

/* Reports getopt's own errors (unknown option, missing or extra value). */
static int getopt_error(int c, char **argv, char *err, size_t errlen)
{
	const char *arg = argv[optind - 1];
	bool is_long = strncmp(arg, "--", 2) == 0;

	if (c == ':') {
		if (is_long) {
			snprintf(err, errlen, "--%s: needs a value",
				 long_name(optopt));
		} else {
			snprintf(err, errlen, "-%c: needs a value", optopt);
		}
		return ZG_EINVAL;
	}
	if (!is_long) {
		snprintf(err, errlen, "-%c: unknown option (see --help)",
			 optopt);
		return ZG_EINVAL;
	}

	size_t name_len = strcspn(arg + 2, "=");
	for (const struct option *o = long_options; o->name != NULL; o++) {
		if (arg[2 + name_len] == '=' &&
		    strncmp(o->name, arg + 2, name_len) == 0 &&
		    o->name[name_len] == '\0') {
			snprintf(err, errlen, "--%s: takes no value", o->name);
			return ZG_EINVAL;
		}
	}
	snprintf(err, errlen, "%.*s: unknown option (see --help)",
		 (int)(name_len + 2), arg);
	return ZG_EINVAL;
}

/*
 * Reads argv into settings (checked later), the config path and the
 * action. Pointers in settings point into argv.
 */
static int scan_command_line(int argc, char **argv,
			     struct cli_setting *settings, size_t *n_settings,
			     const char **config_path, char *err, size_t errlen)
{
	int action = OPTIONS_RUN;
	int c;

	optind = 0;	/* GNU: reinitialise, so tests may parse again */
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_options, long_options,
				NULL)) != -1) {
		if (c == '?' || c == ':') {
			return getopt_error(c, argv, err, errlen);
		}
		if (c == 'h') {
			action = OPTIONS_HELP;
			continue;
		}
		if (c == 'V') {
			if (action != OPTIONS_HELP) {
				action = OPTIONS_VERSION;
			}
			continue;
		}
		if (c == 'c') {
			*config_path = optarg;
			continue;
		}
		if (*n_settings >= MAX_CLI_SETTINGS) {
			snprintf(err, errlen, "more than %d options",
				 MAX_CLI_SETTINGS);
			return ZG_EINVAL;
		}
		settings[*n_settings].key = long_name(c);
		settings[*n_settings].value = c == 'f' ? "yes" : optarg;
		(*n_settings)++;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)",
			 argv[optind]);
		return ZG_EINVAL;
	}
	return action;
}

/*
 * Applies the command-line settings over opts. The first --dns-listen
 * drops the addresses the file gave, so the command line replaces them.
 */
static int apply_command_line(struct daemon_options *opts,
			      const struct cli_setting *settings,
			      size_t n_settings, char *err, size_t errlen)
{
	char problem[256];
	bool listen_cleared = false;

	for (size_t i = 0; i < n_settings; i++) {
		if (strcmp(settings[i].key, "dns-listen") == 0 &&
		    !listen_cleared) {
			opts->n_dns_listen = 0;
			listen_cleared = true;
		}
		int ret = apply_setting(opts, settings[i].key,
					settings[i].value, problem,
					sizeof(problem));
		if (ret == ZG_EINVAL) {
			snprintf(err, errlen, "--%s: %s", settings[i].key,
				 problem);
		}
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

int options_parse(int argc, char **argv, struct daemon_options *opts,
		  char *err, size_t errlen)
{
	struct cli_setting settings[MAX_CLI_SETTINGS];
	size_t n_settings = 0;
	const char *config_path = NULL;

	int ret = options_init(opts);
	if (ret == 0) {
		ret = scan_command_line(argc, argv, settings, &n_settings,
					&config_path, err, errlen);
	}
	if (ret != OPTIONS_RUN) {
		goto out;
	}

	/* Check the command line first, so that its mistakes are reported
	 * as such even when the file has some too. */
	ret = apply_command_line(opts, settings, n_settings, err, errlen);
	options_free(opts);
	if (ret == 0) {
		ret = options_init(opts);
	}

	if (ret == 0 && config_path != NULL) {
		ret = set_string(&opts->config_path, config_path);
	}
	if (ret == 0 && config_path != NULL) {
		ret = options_load_file(config_path, opts, err, errlen);
	}
	if (ret == 0) {
		ret = apply_command_line(opts, settings, n_settings, err,
					 errlen);
	}
out:
	if (ret == ZG_ENOMEM) {
		snprintf(err, errlen, "out of memory");
	}
	return ret;
}
