/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Domain name helpers: case folding, zone membership, lookup keys. */
#include "wire/wire.h"

#include <string.h>

/* DNS compares names with ASCII case folding only (RFC 4343 section 3). */
static inline uint8_t fold(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

void wire_name_lower(const knot_dname_t *name, uint8_t *buf)
{
	size_t i = 0;
	while (name[i] != 0) {
		uint8_t len = name[i];
		buf[i] = len;
		for (size_t j = 1; j <= len; j++) {
			buf[i + j] = fold(name[i + j]);
		}
		i += (size_t)len + 1;
	}
	buf[i] = 0;
}

/* Offsets of the labels of name, leftmost first; returns their count or
 * -1 when the name is longer than a name may be. */
static int label_offsets(const knot_dname_t *name,
			 uint8_t offs[KNOT_DNAME_MAXLABELS])
{
	size_t pos = 0;
	int n = 0;
	while (name[pos] != 0) {
		if (n == KNOT_DNAME_MAXLABELS || name[pos] > KNOT_DNAME_MAXLABELLEN) {
			return -1;
		}
		offs[n++] = (uint8_t)pos;
		pos += (size_t)name[pos] + 1;
		if (pos >= KNOT_DNAME_MAXLEN) {
			return -1;
		}
	}
	return n;
}

bool wire_name_in_zone(const knot_dname_t *name, const knot_dname_t *zone)
{
	if (name == NULL || zone == NULL) {
		return false;
	}
	uint8_t name_offs[KNOT_DNAME_MAXLABELS];
	uint8_t zone_offs[KNOT_DNAME_MAXLABELS];
	int nl = label_offsets(name, name_offs);
	int zl = label_offsets(zone, zone_offs);
	if (nl < 0 || zl < 0 || zl > nl) {
		return false;
	}

	if (zl == 0) {
		return true;	/* everything is inside the root */
	}

	/* Compare the trailing zl labels of name with zone, whole labels
	 * only, so "superexample.com" is never inside "example.com". */
	const uint8_t *n = name + name_offs[nl - zl];
	while (*zone != 0) {
		if (*n != *zone) {
			return false;
		}
		for (size_t j = 1; j <= *zone; j++) {
			if (fold(n[j]) != fold(zone[j])) {
				return false;
			}
		}
		n += *n + 1;
		zone += *zone + 1;
	}
	return *n == 0;
}

int wire_name_key_build(const knot_dname_t *name, struct wire_name_key *key)
{
	if (name == NULL || key == NULL) {
		return ZG_EINVAL;
	}
	uint8_t offs[KNOT_DNAME_MAXLABELS];
	int n = label_offsets(name, offs);
	if (n < 0) {
		return ZG_EINVAL;
	}

	/* Rightmost label first, each followed by a zero byte. */
	size_t len = 0;
	key->ends[0] = 0;
	for (int i = n - 1; i >= 0; i--) {
		const uint8_t *label = name + offs[i];
		for (size_t j = 1; j <= label[0]; j++) {
			key->bytes[len++] = fold(label[j]);
		}
		key->bytes[len++] = 0;
		key->ends[n - i] = (uint8_t)len;
	}
	key->len = (uint16_t)len;
	key->labels = (uint8_t)n;
	return 0;
}
