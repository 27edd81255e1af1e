/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Record types and values: which types are taken, values parsed and
 * printed through libzscanner and libknot, RRset sizes on the wire. */
#include "validate/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>
#include <libzscanner/scanner.h>

#include "common/error.h"
#include "validate/validate_priv.h"

/*
 * Records
 */

/* Why a type is never stored as a record, or NULL when it may be. */
static const char *type_refusal(uint16_t code)
{
	switch (code) {
	case 0:
	case 65535:
		return "it is reserved (RFC 6895 section 3.1)";
	case KNOT_RRTYPE_SOA:
		return "the SOA record is the zone's soa field";
	case KNOT_RRTYPE_DNAME:
		return "zonegate does not rewrite the names below a DNAME (RFC 6672), so queries there would be answered wrongly; use a CNAME for each name instead";
	case 3:				/* MD, RFC 973 */
	case 4:				/* MF, RFC 973 */
	case 10:			/* NULL: not in master files */
	case 30:			/* NXT, RFC 3755 */
	case 38:			/* A6, RFC 6563 */
		return "the type is obsolete";
	case KNOT_RRTYPE_SIG:
	case KNOT_RRTYPE_KEY:
	case KNOT_RRTYPE_RRSIG:
	case KNOT_RRTYPE_NSEC:
	case KNOT_RRTYPE_DNSKEY:
	case KNOT_RRTYPE_NSEC3:
	case KNOT_RRTYPE_NSEC3PARAM:
	case KNOT_RRTYPE_CDS:
	case KNOT_RRTYPE_CDNSKEY:
	case KNOT_RRTYPE_ZONEMD:
	case 32768:			/* TA */
	case 32769:			/* DLV */
		return "zonegate does not sign zones, so of the DNSSEC types it stores DS only";
	default:
		break;
	}
	if (knot_rrtype_is_metatype(code) || (code >= 128 && code <= 255)) {
		return "it is a meta or query type, not data (RFC 6895 section 3.1)";
	}
	return NULL;
}

int validate_rtype(const char *in, char *out, size_t outlen,
		       uint16_t *code, char *msg, size_t msglen)
{
	if (knot_rrtype_from_string(in, code) != 0) {
		return validate_refuse(msg, msglen,
			      "'%s' is not a record type; give its mnemonic (TLSA) or its number in the form TYPE65400 (RFC 3597)",
			      in);
	}
	char name[16];
	if (knot_rrtype_to_string(*code, name, sizeof(name)) < 0) {
		return validate_refuse(msg, msglen, "'%s' is not a record type", in);
	}
	const char *why = type_refusal(*code);
	if (why != NULL) {
		return validate_refuse(msg, msglen, "type %s is not accepted: %s",
			      name, why);
	}
	snprintf(out, outlen, "%s", name);
	return 0;
}

/*
 * Record values: one scanner kept by a parser, since libzscanner's takes
 * about 200 KB to set up and an import parses every record.
 */

struct validate_rdata_parser {
	zs_scanner_t *sc;	/* NULL until used, and after a failure */
};

struct validate_rdata_parser *validate_rdata_parser_new(void)
{
	return calloc(1, sizeof(struct validate_rdata_parser));
}

static void parser_drop_scanner(struct validate_rdata_parser *p)
{
	if (p->sc != NULL) {
		zs_deinit(p->sc);
		free(p->sc);
		p->sc = NULL;
	}
}

void validate_rdata_parser_free(struct validate_rdata_parser *p)
{
	if (p != NULL) {
		parser_drop_scanner(p);
		free(p);
	}
}

/* One parsed record: its type and a copy of its data. */
struct parsed_rr {
	uint16_t type;
	uint8_t *data;		/* malloc'ed */
	size_t len;
};

/*
 * Parses "<fqdn> 0 IN <type_name> <value>", names relative to zone, as
 * exactly one record. The origin comes as a directive, so the scanner
 * serves any zone; value holds no newline (check_value_text()), so it
 * cannot add directives of its own.
 * \retval 0, ZG_EINVAL (*why says what is wrong), ZG_ENOMEM.
 */
static int parse_one(struct validate_rdata_parser *p, const char *zone,
		     const char *fqdn, const char *type_name,
		     const char *value, struct parsed_rr *out,
		     const char **why)
{
	out->data = NULL;
	*why = "nothing parsed";
	char *text = NULL;
	if (asprintf(&text, "$ORIGIN %s\n%s 0 IN %s %s\n", zone, fqdn,
		     type_name, value) < 0) {
		return ZG_ENOMEM;
	}
	if (p->sc == NULL) {
		p->sc = malloc(sizeof(*p->sc));
		if (p->sc == NULL || zs_init(p->sc, ".", KNOT_CLASS_IN, 0) != 0) {
			free(p->sc);
			p->sc = NULL;
			free(text);
			return ZG_ENOMEM;
		}
	}

	zs_scanner_t *sc = p->sc;
	int ret = ZG_EINVAL;
	if (zs_set_input_string(sc, text, strlen(text)) != 0 ||
	    zs_parse_record(sc) != 0 || sc->state != ZS_STATE_DATA) {
		if (sc->state == ZS_STATE_ERROR) {
			*why = zs_strerror(sc->error.code);
		}
	} else {
		out->type = sc->r_type;
		out->len = sc->r_data_length;
		out->data = malloc(out->len + 1);
		ret = out->data != NULL ? 0 : ZG_ENOMEM;
	}
	if (ret == 0) {
		memcpy(out->data, sc->r_data, out->len);
		/* The scanner must reach the end before it serves again. */
		if (zs_parse_record(sc) != 0 || sc->state != ZS_STATE_EOF) {
			*why = "more than one record";
			ret = ZG_EINVAL;
		}
	}
	if (ret != 0) {
		free(out->data);
		out->data = NULL;
		/* A failed parse can leave the scanner inside a record. */
		parser_drop_scanner(p);
	}
	free(text);
	return ret;
}

/* Writes rr's data in canonical presentation form.
 * \retval 0, ZG_EINVAL (libknot cannot write it: RFC 3597 data that do
 *         not hold a record of the type), ZG_ENOMEM. */
static int dump_rdata(const struct parsed_rr *rr, char **canon)
{
	knot_rrset_t set;
	knot_rrset_init(&set, NULL, rr->type, KNOT_CLASS_IN, 0);
	if (knot_rrset_add_rdata(&set, rr->data, (uint16_t)rr->len,
				 NULL) != KNOT_EOK) {
		return ZG_ENOMEM;
	}
	/* Escapes take at most four characters per byte; a LOC record
	 * (16 octets) takes about 45. */
	size_t size = 4 * rr->len + 256;
	*canon = malloc(size);
	int len = *canon != NULL
		? knot_rrset_txt_dump_data(&set, 0, *canon, size,
					   &KNOT_DUMP_STYLE_DEFAULT)
		: -1;
	knot_rdataset_clear(&set.rrs, NULL);
	if (len < 0) {
		int ret = *canon != NULL ? ZG_EINVAL : ZG_ENOMEM;
		free(*canon);
		*canon = NULL;
		return ret;
	}
	/* Some types are dumped with a trailing blank. */
	while (len > 0 && (*canon)[len - 1] == ' ') {
		(*canon)[--len] = '\0';
	}
	return 0;
}

/* The checks on the text of a value before it is parsed. */
static int check_value_text(const char *value, char *msg, size_t msglen)
{
	if (value[0] == '\0') {
		return validate_refuse(msg, msglen, "the value is empty");
	}
	/* One line only: a newline would let a value add other records. */
	for (const char *p = value; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			return validate_refuse(msg, msglen,
				      "the value holds a control character; write it on one line");
		}
	}
	/* Outside quotes ';' starts a master-file comment: the rest of the
	 * value would be dropped without a word. */
	bool quoted = false;
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (*p == ';' && !quoted) {
			return validate_refuse(msg, msglen,
				      "the value holds ';' outside quotes, which starts a comment in a zone file and would cut the value; quote it (\"a;b\") or escape it (a\\;b)");
		}
	}
	return 0;
}

/*
 * RFC 3597 section 5: data of a known type given in the generic form
 * must be what its own presentation form says; the scanner takes the
 * octets as they come. They are valid when the canonical text, parsed
 * again, gives the same octets.
 */
static int check_generic_data(struct validate_rdata_parser *p, const char *zone,
			      const char *fqdn, const char *type_name,
			      const struct parsed_rr *rr, const char *canon)
{
	struct parsed_rr again;
	const char *why = NULL;
	int ret = parse_one(p, zone, fqdn, type_name, canon, &again, &why);
	if (ret == 0 && (again.len != rr->len ||
			 memcmp(again.data, rr->data, rr->len) != 0)) {
		ret = ZG_EINVAL;
	}
	free(again.data);
	return ret;
}

int validate_rdata_parse(struct validate_rdata_parser *p, const char *zone,
		    const char *fqdn, uint16_t type, const char *value,
		    char **canon, char *msg, size_t msglen)
{
	*canon = NULL;
	char type_name[16];
	if (knot_rrtype_to_string(type, type_name, sizeof(type_name)) < 0) {
		return validate_refuse(msg, msglen, "unknown type");
	}
	int ret = check_value_text(value, msg, msglen);
	if (ret != 0) {
		return ret;
	}

	struct parsed_rr rr;
	const char *why = NULL;
	ret = parse_one(p, zone, fqdn, type_name, value, &rr, &why);
	if (ret == ZG_EINVAL && strcmp(why, "more than one record") == 0) {
		return validate_refuse(msg, msglen,
			      "'%s' holds more than one record; give one value per record",
			      value);
	}
	if (ret == ZG_EINVAL) {
		return validate_refuse(msg, msglen, "'%s' is not valid %s data: %s",
			      value, type_name, why);
	}
	if (ret == 0 && rr.type != type) {
		free(rr.data);
		return validate_refuse(msg, msglen, "'%s' is not valid %s data", value,
			      type_name);
	}
	bool generic = strstr(value, "\\#") != NULL;
	if (ret == 0) {
		ret = dump_rdata(&rr, canon);
	}
	if (ret == 0 && generic) {
		ret = check_generic_data(p, zone, fqdn, type_name, &rr,
					 *canon);
	}
	free(rr.data);
	if (ret != 0) {
		free(*canon);
		*canon = NULL;
	}
	if (ret == ZG_EINVAL) {
		return validate_refuse(msg, msglen, "'%s' is not valid %s data%s",
			      value, type_name, generic
			      ? ": the octets of its RFC 3597 form do not hold such a record"
			      : "");
	}
	return ret;
}

int validate_rdata(const char *zone, const char *fqdn, uint16_t type,
		       const char *value, char **canon, char *msg,
		       size_t msglen)
{
	*canon = NULL;
	struct validate_rdata_parser *p = validate_rdata_parser_new();
	if (p == NULL) {
		return ZG_ENOMEM;
	}
	int ret = validate_rdata_parse(p, zone, fqdn, type, value, canon, msg,
				  msglen);
	validate_rdata_parser_free(p);
	return ret;
}

int validate_rdata_parse_wire(struct validate_rdata_parser *p, const char *zone,
			 const char *fqdn, uint16_t type,
			 const uint8_t *rdata, size_t len, char **canon,
			 char *msg, size_t msglen)
{
	*canon = NULL;
	if (len > UINT16_MAX) {
		return validate_refuse(msg, msglen, "the data are longer than 65535 octets");
	}
	/* "\# LEN HEX": at most 8 + 5 characters and two a byte. */
	char *text = malloc(16 + 2 * len);
	if (text == NULL) {
		return ZG_ENOMEM;
	}
	int at = snprintf(text, 16, "\\# %zu%s", len, len > 0 ? " " : "");
	for (size_t i = 0; i < len; i++) {
		at += snprintf(text + at, 3, "%02x", rdata[i]);
	}
	int ret = validate_rdata_parse(p, zone, fqdn, type, text, canon, msg,
				  msglen);
	free(text);
	return ret;
}

int validate_wire_rdata(const char *zone, const char *fqdn,
			    uint16_t type, const uint8_t *rdata, size_t len,
			    char **canon, char *msg, size_t msglen)
{
	*canon = NULL;
	struct validate_rdata_parser *p = validate_rdata_parser_new();
	if (p == NULL) {
		return ZG_ENOMEM;
	}
	int ret = validate_rdata_parse_wire(p, zone, fqdn, type, rdata, len, canon,
				       msg, msglen);
	validate_rdata_parser_free(p);
	return ret;
}

/* The wire length of value's rdata (type_name at fqdn, names relative
 * to zone), parsed as validate_rdata_parse() does. */
static int rdata_wire_len(struct validate_rdata_parser *p, const char *zone,
			  const char *fqdn, const char *type_name,
			  const char *value, size_t *len)
{
	struct parsed_rr rr;
	const char *why = NULL;
	int ret = parse_one(p, zone, fqdn, type_name, value, &rr, &why);
	if (ret == 0) {
		*len = rr.len;
		free(rr.data);
	}
	return ret;
}

/* Types whose canonical text is never shorter than their wire form,
 * less one octet: names take one octet more than their text, numbers
 * and addresses (but AAAA's "::") no more than theirs. */
static bool text_bounds_wire(uint16_t type)
{
	switch (type) {
	case KNOT_RRTYPE_A:
	case KNOT_RRTYPE_CNAME:
	case KNOT_RRTYPE_MX:
	case KNOT_RRTYPE_TXT:
	case KNOT_RRTYPE_PTR:
	case KNOT_RRTYPE_SRV:
	case KNOT_RRTYPE_NS:
	case KNOT_RRTYPE_CAA:
		return true;
	default:
		return false;
	}
}

/*
 * An upper bound of the wire length of a canonical value, from its text.
 * For the other types a field can take more octets than characters: a
 * one-digit 32-bit number 4, "::" in an SVCB ipv6hint 16, a LOC record
 * 16 whatever its text; none takes more than 8 octets a character.
 */
static size_t rdata_len_bound(uint16_t type, const char *value)
{
	if (type == KNOT_RRTYPE_AAAA) {
		return 16;
	}
	size_t len = strlen(value);
	return text_bounds_wire(type) ? len + 1 : 8 * len + 16;
}

/* The records' size on the wire and the size of an answer holding them
 * (owner compressed after the question), for rdata lengths rdlen. */
static void rrset_sizes(size_t owner_len, const size_t *rdlen, size_t n,
			size_t *records, size_t *answer)
{
	/* Header, question, and an OPT record with no options. */
	*answer = KNOT_WIRE_HEADER_SIZE + owner_len + 4 + 11;
	*records = 0;
	for (size_t i = 0; i < n; i++) {
		*records += owner_len + 10 + rdlen[i];
		*answer += 2 + 10 + rdlen[i];
	}
}

int validate_rrset_size(const char *zone, const char *fqdn, uint16_t type,
			 const char *const *values, size_t n, char *msg,
			 size_t msglen)
{
	uint8_t owner[KNOT_DNAME_MAXLEN];
	char type_name[16];
	if (knot_dname_from_str(owner, fqdn, sizeof(owner)) == NULL ||
	    knot_rrtype_to_string(type, type_name, sizeof(type_name)) < 0) {
		return validate_refuse(msg, msglen, "%s is not a valid name", fqdn);
	}
	size_t owner_len = knot_dname_size(owner);
	size_t *rdlen = calloc(n + 1, sizeof(*rdlen));
	if (rdlen == NULL) {
		return ZG_ENOMEM;
	}

	/* The bound settles nearly every RRset without parsing. */
	for (size_t i = 0; i < n; i++) {
		rdlen[i] = rdata_len_bound(type, values[i]);
	}
	size_t records = 0, answer = 0;
	rrset_sizes(owner_len, rdlen, n, &records, &answer);
	int ret = 0;
	struct validate_rdata_parser *p = NULL;
	if (records > VALIDATE_MSG_MAX || answer > VALIDATE_MSG_MAX) {
		p = validate_rdata_parser_new();
		ret = p != NULL ? 0 : ZG_ENOMEM;
	}
	for (size_t i = 0; p != NULL && ret == 0 && i < n; i++) {
		ret = rdata_wire_len(p, zone, fqdn, type_name, values[i],
				     &rdlen[i]);
	}
	validate_rdata_parser_free(p);
	if (ret == 0) {
		rrset_sizes(owner_len, rdlen, n, &records, &answer);
	}
	free(rdlen);
	if (ret == ZG_EINVAL) {
		return validate_refuse(msg, msglen, "a value of the RRset %s %s does not parse",
			      fqdn, type_name);
	}
	if (ret == 0 && (records > VALIDATE_MSG_MAX || answer > VALIDATE_MSG_MAX)) {
		validate_refuse(msg, msglen,
		       "the RRset %s %s would take %zu octets on the wire (%zu in an answer), more than the 65535 a DNS message can hold",
		       fqdn, type_name, records, answer);
		return ZG_ELIMIT;
	}
	return ret;
}
