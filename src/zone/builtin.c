/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The built-in locally served zones: RFC 6303 and the IANA registry of
 * locally served zones, home.arpa (RFC 8375), localhost. and invalid.
 * (RFC 6761). */
#include "zone/zone.h"

#include <stdio.h>
#include <string.h>

#include "zone/zone_impl.h"

#define R172(n) #n ".172.in-addr.arpa."
#define R100(n) #n ".100.in-addr.arpa."
#define IP6_ZEROS_31 \
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."

static const char *const builtin_names[] = {
	/* RFC 1918 */
	"10.in-addr.arpa.",
	R172(16), R172(17), R172(18), R172(19), R172(20), R172(21),
	R172(22), R172(23), R172(24), R172(25), R172(26), R172(27),
	R172(28), R172(29), R172(30), R172(31),
	"168.192.in-addr.arpa.",
	/* RFC 6598 shared address space 100.64.0.0/10 */
	R100(64), R100(65), R100(66), R100(67), R100(68), R100(69),
	R100(70), R100(71), R100(72), R100(73), R100(74), R100(75),
	R100(76), R100(77), R100(78), R100(79), R100(80), R100(81),
	R100(82), R100(83), R100(84), R100(85), R100(86), R100(87),
	R100(88), R100(89), R100(90), R100(91), R100(92), R100(93),
	R100(94), R100(95), R100(96), R100(97), R100(98), R100(99),
	R100(100), R100(101), R100(102), R100(103), R100(104), R100(105),
	R100(106), R100(107), R100(108), R100(109), R100(110), R100(111),
	R100(112), R100(113), R100(114), R100(115), R100(116), R100(117),
	R100(118), R100(119), R100(120), R100(121), R100(122), R100(123),
	R100(124), R100(125), R100(126), R100(127),
	/* RFC 6303 section 4.2-4.5 */
	"0.in-addr.arpa.",
	"127.in-addr.arpa.",
	"254.169.in-addr.arpa.",
	"2.0.192.in-addr.arpa.",
	"100.51.198.in-addr.arpa.",
	"113.0.203.in-addr.arpa.",
	"255.255.255.255.in-addr.arpa.",
	/* RFC 6303 section 4.6-4.8: ::, ::1, ULA, link-local, example */
	"0." IP6_ZEROS_31 "ip6.arpa.",
	"1." IP6_ZEROS_31 "ip6.arpa.",
	"d.f.ip6.arpa.",
	"8.e.f.ip6.arpa.",
	"9.e.f.ip6.arpa.",
	"a.e.f.ip6.arpa.",
	"b.e.f.ip6.arpa.",
	"8.b.d.0.1.0.0.2.ip6.arpa.",
	/* RFC 8375 */
	"home.arpa.",
	/* RFC 6761 */
	"localhost.",
	"invalid.",
	NULL,
};

const char *const *zone_builtin_names(void)
{
	return builtin_names;
}

/* RFC 6761 section 6.3: name servers answer localhost. and every name
 * below it with the loopback addresses themselves. */
static const char *const localhost_extra[] = {
	"localhost. 10800 IN A 127.0.0.1",
	"localhost. 10800 IN AAAA ::1",
	"*.localhost. 10800 IN A 127.0.0.1",
	"*.localhost. 10800 IN AAAA ::1",
	NULL,
};

struct zone_contents *zone_builtin_build(const knot_dname_t *apex)
{
	char name[KNOT_DNAME_TXT_MAXLEN + 1];
	knot_dname_t lower[KNOT_DNAME_MAXLEN];
	if (apex == NULL || knot_dname_size(apex) > KNOT_DNAME_MAXLEN) {
		return NULL;
	}
	wire_name_lower(apex, lower);
	if (knot_dname_to_str(name, lower, sizeof(name)) == NULL) {
		return NULL;
	}

	struct zone_builder *b = zone_builder_new(lower);
	if (b == NULL) {
		return NULL;
	}
	/* RFC 6303 section 3: SOA and NS naming the zone itself, with
	 * nobody.invalid. as the contact; shared/resolution.md section 2
	 * gives the timers. */
	char line[2 * KNOT_DNAME_TXT_MAXLEN + 128];
	snprintf(line, sizeof(line),
		 "%s 10800 IN SOA %s nobody.invalid. 1 3600 1200 604800 10800",
		 name, name);
	int ret = zone_builder_add_text(b, line, NULL, 0);
	if (ret == 0) {
		snprintf(line, sizeof(line), "%s 10800 IN NS %s", name, name);
		ret = zone_builder_add_text(b, line, NULL, 0);
	}
	if (ret == 0 && strcmp(name, "localhost.") == 0) {
		for (size_t i = 0; localhost_extra[i] != NULL && ret == 0; i++) {
			ret = zone_builder_add_text(b, localhost_extra[i], NULL,
						    0);
		}
	}

	struct zone_contents *z = zone_builder_finish(b, NULL, 0);
	if (ret != 0) {
		zone_contents_free(z);
		return NULL;
	}
	return z;
}
