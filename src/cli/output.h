/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Human-readable output of API resources: lines, tables, key: value. */
#ifndef ZONEGATE_CLI_OUTPUT_H
#define ZONEGATE_CLI_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

/* One column of a table: its header and the resource field shown. */
struct output_column {
	const char *header;	/* "ID" */
	const char *key;	/* "id"; a dotted key ("soa.ttl") looks
				 * inside nested objects */
};

/*!
 * Formats one JSON value for a person, malloc'd (NULL when out of
 * memory): strings as they are, numbers and booleans as text, null or a
 * missing value as "-", arrays joined with "," (an empty one is "-"),
 * egress rules as "proto:port:prefix", other objects as compact JSON.
 */
char *output_value(const json_t *value);

/*!
 * Prints one line for a resource just created or changed: its id, its
 * name when it has one, then key=value for each of keys (NULL-ended),
 * e.g. "vpc-1  prod  cidrs=172.17.0.0/16 listen=127.0.0.53:53".
 * Values with blanks are quoted.
 */
void output_summary(FILE *f, const json_t *resource, const char *const *keys);

/*! Prints items (an array of objects) as a table with a header line;
 *  columns end with a NULL header. Columns are padded to align. */
void output_table(FILE *f, const json_t *items,
		  const struct output_column *columns);

/*! Prints every field of a resource as "key: value" lines, keys padded
 *  to align; nested objects show as "soa.ttl: 3600". */
void output_show(FILE *f, const json_t *resource);

/*! Prints the reply of POST /v1/explain, one block per step. */
void output_explain(FILE *f, const json_t *reply);

#endif
