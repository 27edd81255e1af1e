/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate lint|stats: findings on the served configuration, and
 * counters per rule, upstream, zone and target. */
#include "cli/cmd.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct output_column COUNTER_COLUMNS[] = {
	{ "ID", "id" },
	{ "QUERIES", "queries" },
	{ "TIMEOUTS", "timeouts" },
	{ "FAILURES", "failures" },
	{ "NOERROR", "noerror" },
	{ "NXDOMAIN", "nxdomain" },
	{ "SERVFAIL", "servfail" },
	{ "REFUSED", "refused" },
	{ "P50", "p50" },
	{ "P99", "p99" },
	{ "MEAN", "mean" },
	{ NULL, NULL },
};

static const struct output_column TARGET_COLUMNS[] = {
	{ "TARGET", "id" },
	{ "STATE", "state" },
	{ "SRTT", "srtt" },
	{ "SENT", "sent" },
	{ "ANSWERED", "answered" },
	{ "TIMEOUTS", "try_timeouts" },
	{ "ANSWERS", "queries" },
	{ "NOERROR", "noerror" },
	{ "NXDOMAIN", "nxdomain" },
	{ "P50", "p50" },
	{ "P99", "p99" },
	{ NULL, NULL },
};

/*
 * Lint
 */

static void print_finding(FILE *f, const json_t *item)
{
	const json_t *ids = json_object_get(item, "resources");
	fprintf(f, "%-7s %s",
		json_string_value(json_object_get(item, "severity")),
		json_string_value(json_object_get(item, "code")));
	size_t i;
	const json_t *id;
	json_array_foreach(ids, i, id) {
		fprintf(f, "%s%s", i == 0 ? "  " : " ", json_string_value(id));
	}
	fprintf(f, "\n  %s\n  fix: %s\n",
		json_string_value(json_object_get(item, "message")),
		json_string_value(json_object_get(item, "fix")));
}

static void print_lint(FILE *f, const json_t *reply)
{
	const json_t *items = json_object_get(reply, "findings");
	const json_t *counts = json_object_get(reply, "counts");
	size_t i;
	const json_t *item;
	json_array_foreach(items, i, item) {
		print_finding(f, item);
	}
	if (json_array_size(items) == 0) {
		fprintf(f, "no findings\n");
		return;
	}
	fprintf(f, "%" JSON_INTEGER_FORMAT " error(s), %" JSON_INTEGER_FORMAT
		" warning(s), %" JSON_INTEGER_FORMAT " info\n",
		json_integer_value(json_object_get(counts, "error")),
		json_integer_value(json_object_get(counts, "warning")),
		json_integer_value(json_object_get(counts, "info")));
}

int cmd_lint(const struct cli_ctx *ctx, const struct cmd *cmd,
	     const struct args_parsed *args)
{
	struct client_reply reply;
	int rc = client_call(ctx, "GET", "/v1/lint", NULL, NULL, &reply);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	} else {
		print_lint(stdout, reply.json);
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}

/*
 * Counters
 */

/* "850us", "12.3ms", "1.50s". */
static void format_us(double us, char *buf, size_t len)
{
	if (us < 1000) {
		snprintf(buf, len, "%.0fus", us);
	} else if (us < 1000000) {
		snprintf(buf, len, "%.1fms", us / 1000);
	} else {
		snprintf(buf, len, "%.2fs", us / 1000000);
	}
}

/* The upper bound of the bucket holding the p-th quantile, as "<1.0ms"
 * (">=4.19s" for the last, unbounded bucket; "-" without samples). */
static json_t *quantile(const json_t *latency, double p)
{
	const json_t *buckets = json_object_get(latency, "buckets");
	json_int_t total = 0, seen = 0;
	size_t i;
	const json_t *b;
	json_array_foreach(buckets, i, b) {
		total += json_integer_value(json_object_get(b, "count"));
	}
	if (total == 0) {
		return json_string("-");
	}
	json_int_t last_bound = 0;
	json_array_foreach(buckets, i, b) {
		seen += json_integer_value(json_object_get(b, "count"));
		const json_t *lt = json_object_get(b, "lt_us");
		char text[32], value[24];
		if (json_is_integer(lt)) {
			last_bound = json_integer_value(lt);
		}
		if ((double)seen >= p * (double)total) {
			format_us((double)last_bound, value, sizeof(value));
			snprintf(text, sizeof(text), "%s%s",
				 json_is_integer(lt) ? "<" : ">=", value);
			return json_string(text);
		}
	}
	return json_string("-");
}

static json_int_t rcode_count(const json_t *item, const char *name)
{
	return json_integer_value(json_object_get(
		json_object_get(item, "rcodes"), name));
}

/* A table row for one entity of GET /v1/stats. */
static json_t *counter_row(const json_t *item, const char *key)
{
	const json_t *latency = json_object_get(item, "latency");
	json_int_t queries = json_integer_value(json_object_get(item,
								"queries"));
	json_int_t sum = json_integer_value(json_object_get(latency,
							    "sum_us"));
	char mean[24] = "-";
	if (queries > 0) {
		format_us((double)sum / (double)queries, mean, sizeof(mean));
	}
	return json_pack("{sO sI sO sO sI sI sI sI so so ss}",
			 "id", json_object_get(item, key),
			 "queries", queries,
			 "timeouts", json_object_get(item, "timeouts"),
			 "failures", json_object_get(item, "failures"),
			 "noerror", rcode_count(item, "NOERROR"),
			 "nxdomain", rcode_count(item, "NXDOMAIN"),
			 "servfail", rcode_count(item, "SERVFAIL"),
			 "refused", rcode_count(item, "REFUSED"),
			 "p50", quantile(latency, 0.5),
			 "p99", quantile(latency, 0.99),
			 "mean", mean);
}

static void print_counters(FILE *f, const char *title, const json_t *items,
			   const char *key)
{
	if (json_array_size(items) == 0) {
		return;
	}
	json_t *rows = json_array();
	size_t i;
	const json_t *item;
	json_array_foreach(items, i, item) {
		json_array_append_new(rows, counter_row(item, key));
	}
	fprintf(f, "\n%s\n", title);
	output_table(f, rows, COUNTER_COLUMNS);
	json_decref(rows);
}

static void print_stats(FILE *f, const json_t *reply)
{
	const json_t *steps = json_object_get(reply, "steps");
	const json_t *qlog = json_object_get(reply, "query_log");
	const char *key;
	const json_t *value;

	fprintf(f, "answered by step:");
	json_object_foreach((json_t *)steps, key, value) {
		fprintf(f, " %s=%" JSON_INTEGER_FORMAT, key,
			json_integer_value(value));
	}
	fprintf(f, "\nquery log: %s", json_is_true(json_object_get(qlog,
								    "enabled")) ?
		"on" : "off");
	if (json_is_true(json_object_get(qlog, "enabled"))) {
		fprintf(f, ", %" JSON_INTEGER_FORMAT " lines written, %"
			JSON_INTEGER_FORMAT " dropped",
			json_integer_value(json_object_get(qlog, "written")),
			json_integer_value(json_object_get(qlog, "dropped")));
	}
	fputc('\n', f);
	print_counters(f, "RULES", json_object_get(reply, "rules"), "id");
	print_counters(f, "DEFAULT UPSTREAMS",
		       json_object_get(reply, "upstreams"), "id");
	print_counters(f, "ZONES", json_object_get(reply, "zones"), "id");
	print_counters(f, "TARGETS (answers they gave)",
		       json_object_get(reply, "targets"), "target");
}

/* A row of the targets table of one rule: health and counters. */
static json_t *target_row(const json_t *item)
{
	json_t *row = counter_row(item, "target");
	const json_t *health = json_object_get(item, "health");
	const json_t *srtt = json_object_get(health, "srtt_ms");
	char text[24] = "-";
	if (json_is_number(srtt)) {
		format_us(json_number_value(srtt) * 1000, text, sizeof(text));
	}
	json_object_set(row, "state", json_object_get(health, "state"));
	json_object_set_new(row, "srtt", json_string(text));
	json_object_set(row, "sent", json_object_get(health, "sent"));
	json_object_set(row, "answered", json_object_get(health, "answered"));
	json_object_set(row, "try_timeouts",
			json_object_get(health, "timeouts"));
	return row;
}

static void print_rule_stats(FILE *f, const json_t *reply)
{
	const json_t *rule = json_object_get(reply, "rule");
	json_t *row = counter_row(rule, "id");
	json_object_set(row, "quarantined",
			json_object_get(rule, "quarantined"));
	output_show(f, row);
	json_decref(row);

	json_t *rows = json_array();
	size_t i;
	const json_t *item;
	json_array_foreach(json_object_get(reply, "targets"), i, item) {
		json_array_append_new(rows, target_row(item));
	}
	fputc('\n', f);
	output_table(f, rows, TARGET_COLUMNS);
	json_decref(rows);
}

int cmd_stats(const struct cli_ctx *ctx, const struct cmd *cmd,
	      const struct args_parsed *args)
{
	struct client_reply reply;
	char *rule_id = NULL;
	char target[256];
	int rc;

	if (args_has(args, "rule")) {
		rc = client_resolve(ctx, &CLIENT_KIND_RULE,
				    args_get(args, "rule"), &rule_id);
		if (rc != CLI_EXIT_OK) {
			return rc;
		}
		snprintf(target, sizeof(target), "/v1/rules/%s/stats",
			 rule_id);
	} else {
		snprintf(target, sizeof(target), "/v1/stats");
	}

	rc = client_call(ctx, "GET", target, NULL, NULL, &reply);
	if (rc == CLI_EXIT_OK) {
		if (ctx->json) {
			client_print_raw(reply.raw);
		} else if (rule_id != NULL) {
			print_rule_stats(stdout, reply.json);
		} else {
			print_stats(stdout, reply.json);
		}
		client_reply_clear(&reply);
	}
	free(rule_id);
	return rc;
}
