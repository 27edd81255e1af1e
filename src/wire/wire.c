/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Answers under construction: RRset copies with their sources. */
#include "wire/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* First allocation of a section; most answers hold one or two RRsets. */
#define SECTION_FIRST_CAP 4

void wire_answer_init(struct wire_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	ans->rcode = KNOT_RCODE_NOERROR;
}

void wire_answer_clear(struct wire_answer *ans)
{
	for (int s = 0; s < 3; s++) {
		struct wire_section *sec = &ans->sections[s];
		for (size_t i = 0; i < sec->count; i++) {
			knot_rrset_free(sec->items[i].rrset, NULL);
		}
		free(sec->items);
	}
	wire_answer_init(ans);
}

static int section_grow(struct wire_section *sec)
{
	if (sec->count < sec->cap) {
		return 0;
	}
	size_t cap = sec->cap == 0 ? SECTION_FIRST_CAP : sec->cap * 2;
	struct wire_rrset *items = realloc(sec->items, cap * sizeof(*items));
	if (items == NULL) {
		return ZG_ENOMEM;
	}
	sec->items = items;
	sec->cap = cap;
	return 0;
}

/* A copy of rr under another owner: the RRset itself is not copied
 * first only to throw its owner away. */
static knot_rrset_t *copy_with_owner(const knot_rrset_t *rr,
				     const knot_dname_t *owner)
{
	knot_rrset_t *copy = knot_rrset_new(owner, rr->type, rr->rclass,
					    rr->ttl, NULL);
	if (copy == NULL) {
		return NULL;
	}
	if (knot_rdataset_copy(&copy->rrs, &rr->rrs, NULL) != KNOT_EOK) {
		knot_rrset_free(copy, NULL);
		return NULL;
	}
	return copy;
}

int wire_answer_add(struct wire_answer *ans, int section, const knot_rrset_t *rr,
		    const knot_dname_t *owner, uint32_t ttl,
		    const struct wire_source *src)
{
	if (section < KNOT_ANSWER || section > KNOT_ADDITIONAL) {
		return ZG_EINVAL;
	}
	struct wire_section *sec = &ans->sections[section];
	if (section_grow(sec) != 0) {
		return ZG_ENOMEM;
	}

	knot_rrset_t *copy = owner != NULL ? copy_with_owner(rr, owner) :
					     knot_rrset_copy(rr, NULL);
	if (copy == NULL) {
		return ZG_ENOMEM;
	}
	copy->ttl = ttl;

	struct wire_rrset *item = &sec->items[sec->count++];
	item->rrset = copy;
	item->src = *src;
	return 0;
}

bool wire_answer_has(const struct wire_answer *ans, int section,
		     const knot_dname_t *owner, uint16_t type)
{
	if (section < KNOT_ANSWER || section > KNOT_ADDITIONAL) {
		return false;
	}
	const struct wire_section *sec = &ans->sections[section];
	for (size_t i = 0; i < sec->count; i++) {
		const knot_rrset_t *rr = sec->items[i].rrset;
		if (rr->type == type &&
		    knot_dname_is_case_equal(rr->owner, owner)) {
			return true;
		}
	}
	return false;
}

void wire_answer_set_ede(struct wire_answer *ans, uint16_t code,
			 const char *text)
{
	ans->has_ede = true;
	ans->ede_code = code;
	snprintf(ans->ede_text, sizeof(ans->ede_text), "%s",
		 text != NULL ? text : "");
}

static bool source_is_local(enum wire_source_kind kind)
{
	return kind == WIRE_SRC_ZONE || kind == WIRE_SRC_BUILTIN;
}

bool wire_answer_is_authoritative(const struct wire_answer *ans)
{
	size_t seen = 0;
	for (int s = KNOT_ANSWER; s <= KNOT_AUTHORITY; s++) {
		const struct wire_section *sec = &ans->sections[s];
		for (size_t i = 0; i < sec->count; i++) {
			if (!source_is_local(sec->items[i].src.kind)) {
				return false;
			}
		}
		seen += sec->count;
	}
	return seen > 0;
}
