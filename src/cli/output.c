/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Human-readable output of API resources: lines, tables, key: value. */
#include "cli/output.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Text printed when a value is missing or null. */
#define OUTPUT_NONE "-"

static bool is_egress_rule(const json_t *v)
{
	return json_is_object(v) &&
	       json_is_string(json_object_get(v, "protocol")) &&
	       json_is_integer(json_object_get(v, "port")) &&
	       json_is_string(json_object_get(v, "prefix"));
}

/* Writes one array element (no nesting of arrays expected). */
static void write_element(FILE *f, const json_t *v)
{
	char *text = output_value(v);

	if (text != NULL) {
		fputs(text, f);
	}
	free(text);
}

static void write_value(FILE *f, const json_t *v)
{
	size_t i;
	json_t *item;

	if (v == NULL) {
		fputs(OUTPUT_NONE, f);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		fwrite(json_string_value(v), 1, json_string_length(v), f);
		break;
	case JSON_INTEGER:
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(f, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	case JSON_ARRAY:
		if (json_array_size(v) == 0) {
			fputs(OUTPUT_NONE, f);
		}
		json_array_foreach(v, i, item) {
			if (i > 0) {
				fputc(',', f);
			}
			write_element(f, item);
		}
		break;
	case JSON_OBJECT:
		if (is_egress_rule(v)) {
			fprintf(f, "%s:%" JSON_INTEGER_FORMAT ":%s",
				json_string_value(json_object_get(v,
								  "protocol")),
				json_integer_value(json_object_get(v, "port")),
				json_string_value(json_object_get(v,
								  "prefix")));
		} else {
			json_dumpf(v, f, JSON_COMPACT);
		}
		break;
	case JSON_NULL:
	default:
		fputs(OUTPUT_NONE, f);
		break;
	}
}

char *output_value(const json_t *value)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL) {
		return NULL;
	}
	write_value(f, value);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Looks up "a.b.c" through nested objects. */
static const json_t *get_path(const json_t *obj, const char *key)
{
	char part[128];

	while (obj != NULL) {
		size_t n = strcspn(key, ".");

		if (n >= sizeof(part)) {
			return NULL;
		}
		memcpy(part, key, n);
		part[n] = '\0';
		obj = json_object_get(obj, part);
		if (key[n] == '\0') {
			return obj;
		}
		key += n + 1;
	}
	return NULL;
}

static void write_quoted_if_blank(FILE *f, const char *text)
{
	if (*text == '\0' || strpbrk(text, " \t") != NULL) {
		fprintf(f, "\"%s\"", text);
	} else {
		fputs(text, f);
	}
}

void output_summary(FILE *f, const json_t *resource, const char *const *keys)
{
	const char *name = json_string_value(json_object_get(resource,
							     "name"));
	char *id = output_value(json_object_get(resource, "id"));
	bool first = true;

	fputs(id != NULL ? id : OUTPUT_NONE, f);
	free(id);
	if (name != NULL) {
		fprintf(f, "  %s", name);
	}
	for (; keys != NULL && *keys != NULL; keys++) {
		char *text = output_value(get_path(resource, *keys));

		fprintf(f, "%s%s=", first ? "  " : " ", *keys);
		write_quoted_if_blank(f, text != NULL ? text : "");
		free(text);
		first = false;
	}
	fputc('\n', f);
}

static size_t count_columns(const struct output_column *columns)
{
	size_t n = 0;

	while (columns[n].header != NULL) {
		n++;
	}
	return n;
}

/* The cells of the table, row by row, header row first. */
static char **build_cells(const json_t *items,
			  const struct output_column *columns, size_t ncols,
			  size_t nrows)
{
	char **cells = calloc(ncols * nrows, sizeof(*cells));

	if (cells == NULL) {
		return NULL;
	}
	for (size_t c = 0; c < ncols; c++) {
		cells[c] = strdup(columns[c].header);
	}
	for (size_t r = 1; r < nrows; r++) {
		const json_t *item = json_array_get(items, r - 1);

		for (size_t c = 0; c < ncols; c++) {
			cells[r * ncols + c] =
				output_value(get_path(item, columns[c].key));
		}
	}
	return cells;
}

void output_table(FILE *f, const json_t *items,
		  const struct output_column *columns)
{
	size_t ncols = count_columns(columns);
	size_t nrows = json_array_size(items) + 1;
	char **cells = build_cells(items, columns, ncols, nrows);
	size_t *width = calloc(ncols, sizeof(*width));

	if (cells == NULL || width == NULL) {
		fputs("zonegate: out of memory\n", stderr);
		goto out;
	}
	for (size_t i = 0; i < ncols * nrows; i++) {
		size_t len = cells[i] != NULL ? strlen(cells[i]) : 0;

		if (len > width[i % ncols]) {
			width[i % ncols] = len;
		}
	}
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *cell = cells[r * ncols + c];
			bool last = c + 1 == ncols;

			fprintf(f, "%-*s%s", last ? 0 : (int)width[c],
				cell != NULL ? cell : "", last ? "\n" : "  ");
		}
	}

out:
	if (cells != NULL) {
		for (size_t i = 0; i < ncols * nrows; i++) {
			free(cells[i]);
		}
	}
	free(cells);
	free(width);
}

static size_t key_width(const json_t *obj, size_t prefix_len)
{
	const char *key;
	json_t *v;
	size_t width = 0;

	json_object_foreach((json_t *)obj, key, v) {
		size_t w = prefix_len + strlen(key);

		if (json_is_object(v) && !is_egress_rule(v)) {
			w = key_width(v, w + 1);
		}
		if (w > width) {
			width = w;
		}
	}
	return width;
}

static void show_fields(FILE *f, const json_t *obj, const char *prefix,
			size_t width)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		char full[256];

		snprintf(full, sizeof(full), "%s%s%s", prefix,
			 *prefix != '\0' ? "." : "", key);
		if (json_is_object(v) && !is_egress_rule(v)) {
			show_fields(f, v, full, width);
			continue;
		}
		fprintf(f, "%s:%*s", full, (int)(width - strlen(full) + 1),
			"");
		write_value(f, v);
		fputc('\n', f);
	}
}

void output_show(FILE *f, const json_t *resource)
{
	if (!json_is_object(resource)) {
		write_value(f, resource);
		fputc('\n', f);
		return;
	}
	show_fields(f, resource, "", key_width(resource, 0));
}

static void explain_field(FILE *f, const char *label, const json_t *v)
{
	fprintf(f, "     %-9s ", label);
	write_value(f, v != NULL ? v : json_null());
	fputc('\n', f);
}

/* "192.0.2.53:53 up, srtt 0.4 ms" */
static void explain_target(FILE *f, const json_t *t)
{
	const json_t *srtt = json_object_get(t, "srtt_ms");
	fprintf(f, "%s %s", json_string_value(json_object_get(t, "address")),
		json_string_value(json_object_get(t, "state")));
	if (json_is_number(srtt)) {
		fprintf(f, ", srtt %.1f ms", json_number_value(srtt));
	}
	json_int_t failures = json_integer_value(json_object_get(
		t, "failures_in_a_row"));
	if (failures > 0) {
		fprintf(f, ", %" JSON_INTEGER_FORMAT " failures in a row",
			failures);
	}
}

/* The cache state and target health of a rule or upstream step. */
static void explain_forward_state(FILE *f, const json_t *step)
{
	const json_t *cache = json_object_get(step, "cache");
	const json_t *health = json_object_get(step, "targets_health");
	size_t i;
	const json_t *t;

	if (json_is_object(cache)) {
		fprintf(f, "     %-9s %s", "cache:",
			json_string_value(json_object_get(cache, "state")));
		if (json_is_integer(json_object_get(cache, "ttl_left_s"))) {
			fprintf(f, " %s, %" JSON_INTEGER_FORMAT " s left",
				json_string_value(json_object_get(cache,
								  "rcode")),
				json_integer_value(json_object_get(
					cache, "ttl_left_s")));
		}
		if (json_is_true(json_object_get(cache, "failure_cached"))) {
			fputs("; a failure is cached: SERVFAIL (EDE 13)", f);
		}
		fputc('\n', f);
	}
	if (!json_is_array(health)) {
		return;
	}
	fprintf(f, "     %-9s ", "asks:");
	if (json_is_true(json_object_get(step, "quarantined"))) {
		fputs("nobody: the rule is quarantined after a forwarding loop, SERVFAIL (EDE 0)", f);
	} else if (json_is_true(json_object_get(step, "all_targets_down"))) {
		fputs("nobody: every target is down, SERVFAIL (EDE 22)", f);
	} else {
		explain_target(f, json_object_get(step, "target"));
	}
	fputc('\n', f);
	json_array_foreach(health, i, t) {
		fprintf(f, "     %-9s ", i == 0 ? "health:" : "");
		explain_target(f, t);
		fputc('\n', f);
	}
}

void output_explain(FILE *f, const json_t *reply)
{
	const json_t *steps = json_object_get(reply, "steps");
	size_t i;
	json_t *step;

	fputs("vpc:       ", f);
	write_value(f, json_object_get(reply, "vpc"));
	fputc('\n', f);
	if (json_array_size(steps) == 0) {
		fputs("no steps\n", f);
	}
	json_array_foreach(steps, i, step) {
		fprintf(f, "%2zu. ", i + 1);
		write_value(f, json_object_get(step, "step"));
		fputs("  ", f);
		write_value(f, json_object_get(step, "name"));
		fputc('\n', f);
		explain_field(f, "resource:", json_object_get(step,
							      "resource"));
		explain_field(f, "matched:", json_object_get(step, "matched"));
		explain_field(f, "targets:", json_object_get(step, "targets"));
		explain_field(f, "reason:", json_object_get(step, "reason"));
		explain_forward_state(f, step);
	}
}
