/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Encoding and decoding VICI messages and packets: pure functions, no
 * I/O (the protocol is summarised in vici.h). */
#include "vpn/vici.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/*
 * Building
 */

void vici_builder_init(struct vici_builder *b)
{
	memset(b, 0, sizeof(*b));
}

void vici_builder_free(struct vici_builder *b)
{
	if (b->buf != NULL) {
		/* Messages carry pre-shared keys: wipe before freeing. */
		memset(b->buf, 0, b->cap);
	}
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

static void fail(struct vici_builder *b, int err)
{
	if (b->err == 0) {
		b->err = err;
	}
}

static void put(struct vici_builder *b, const void *data, size_t len)
{
	if (b->err != 0) {
		return;
	}
	if (b->len + len > VICI_MAX_PACKET) {
		fail(b, ZG_ELIMIT);
		return;
	}
	if (b->len + len > b->cap) {
		size_t cap = b->cap == 0 ? 256 : b->cap;
		while (cap < b->len + len) {
			cap *= 2;
		}
		uint8_t *grown = malloc(cap);
		if (grown == NULL) {
			fail(b, ZG_ENOMEM);
			return;
		}
		/* Not realloc: the old buffer is wiped, see above. */
		if (b->len > 0) {
			memcpy(grown, b->buf, b->len);
		}
		if (b->buf != NULL) {
			memset(b->buf, 0, b->cap);
		}
		free(b->buf);
		b->buf = grown;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
}

static void put_u8(struct vici_builder *b, unsigned value)
{
	uint8_t octet = (uint8_t)value;
	put(b, &octet, 1);
}

static void put_name(struct vici_builder *b, const char *name)
{
	size_t len = name != NULL ? strlen(name) : 0;
	if (len == 0 || len > VICI_NAME_MAX) {
		fail(b, ZG_EINVAL);
		return;
	}
	put_u8(b, (unsigned)len);
	put(b, name, len);
}

static void put_value(struct vici_builder *b, const void *value, size_t len)
{
	if (len > 0xffff) {
		fail(b, ZG_EINVAL);
		return;
	}
	uint8_t be[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	put(b, be, 2);
	put(b, value, len);
}

/* Sections, keys and lists may not appear inside a list. */
static bool outside_list(struct vici_builder *b)
{
	if (b->in_list) {
		fail(b, ZG_EINVAL);
		return false;
	}
	return true;
}

void vici_section_begin(struct vici_builder *b, const char *name)
{
	if (outside_list(b)) {
		put_u8(b, VICI_SECTION_START);
		put_name(b, name);
		b->depth++;
	}
}

void vici_section_end(struct vici_builder *b)
{
	if (!outside_list(b)) {
		return;
	}
	if (b->depth == 0) {
		fail(b, ZG_EINVAL);
		return;
	}
	put_u8(b, VICI_SECTION_END);
	b->depth--;
}

void vici_add_bytes(struct vici_builder *b, const char *key,
		    const void *value, size_t len)
{
	if (outside_list(b)) {
		put_u8(b, VICI_KEY_VALUE);
		put_name(b, key);
		put_value(b, value, len);
	}
}

void vici_add_str(struct vici_builder *b, const char *key, const char *value)
{
	vici_add_bytes(b, key, value, strlen(value));
}

void vici_add_fmt(struct vici_builder *b, const char *key, const char *fmt,
		  ...)
{
	char value[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value)) {
		fail(b, ZG_EINVAL);
		return;
	}
	vici_add_bytes(b, key, value, (size_t)n);
}

void vici_list_begin(struct vici_builder *b, const char *name)
{
	if (outside_list(b)) {
		put_u8(b, VICI_LIST_START);
		put_name(b, name);
		b->in_list = true;
	}
}

void vici_list_item(struct vici_builder *b, const char *value)
{
	if (!b->in_list) {
		fail(b, ZG_EINVAL);
		return;
	}
	put_u8(b, VICI_LIST_ITEM);
	put_value(b, value, strlen(value));
}

void vici_list_end(struct vici_builder *b)
{
	if (!b->in_list) {
		fail(b, ZG_EINVAL);
		return;
	}
	put_u8(b, VICI_LIST_END);
	b->in_list = false;
}

int vici_builder_finish(struct vici_builder *b)
{
	if (b->err == 0 && (b->depth != 0 || b->in_list)) {
		b->err = ZG_EINVAL;
	}
	return b->err;
}

/*
 * Parsing
 */

struct reader {
	const uint8_t *p;
	const uint8_t *end;
};

static int read_u8(struct reader *r, unsigned *out)
{
	if (r->p >= r->end) {
		return ZG_EMALF;
	}
	*out = *r->p++;
	return 0;
}

/* A name: one length octet and that many octets, copied with a NUL. */
static int read_name(struct reader *r, char **out)
{
	unsigned len = 0;
	if (read_u8(r, &len) != 0 || (size_t)(r->end - r->p) < len) {
		return ZG_EMALF;
	}
	*out = malloc(len + 1);
	if (*out == NULL) {
		return ZG_ENOMEM;
	}
	memcpy(*out, r->p, len);
	(*out)[len] = '\0';
	r->p += len;
	return 0;
}

/* A value: two length octets (big-endian) and the octets. */
static int read_value(struct reader *r, struct vici_node *node)
{
	if (r->end - r->p < 2) {
		return ZG_EMALF;
	}
	size_t len = ((size_t)r->p[0] << 8) | r->p[1];
	r->p += 2;
	if ((size_t)(r->end - r->p) < len) {
		return ZG_EMALF;
	}
	node->value = malloc(len + 1);
	if (node->value == NULL) {
		return ZG_ENOMEM;
	}
	memcpy(node->value, r->p, len);
	node->value[len] = '\0';
	node->len = len;
	r->p += len;
	return 0;
}

static void node_clear(struct vici_node *node)
{
	for (size_t i = 0; i < node->n_children; i++) {
		node_clear(&node->children[i]);
	}
	free(node->children);
	free(node->name);
	if (node->value != NULL) {
		memset(node->value, 0, node->len);
	}
	free(node->value);
	memset(node, 0, sizeof(*node));
}

/* Appends a zeroed child to parent; NULL on ENOMEM. */
static struct vici_node *add_child(struct vici_node *parent,
				   enum vici_node_kind kind)
{
	struct vici_node *grown = realloc(parent->children,
					  (parent->n_children + 1) *
					  sizeof(*grown));
	if (grown == NULL) {
		return NULL;
	}
	parent->children = grown;
	struct vici_node *child = &grown[parent->n_children++];
	memset(child, 0, sizeof(*child));
	child->kind = kind;
	return child;
}

static int parse_list(struct reader *r, struct vici_node *list)
{
	for (;;) {
		unsigned type = 0;
		if (read_u8(r, &type) != 0) {
			return ZG_EMALF;	/* the list is never closed */
		}
		if (type == VICI_LIST_END) {
			return 0;
		}
		if (type != VICI_LIST_ITEM) {
			return ZG_EMALF;
		}
		struct vici_node *item = add_child(list, VICI_NODE_VALUE);
		if (item == NULL) {
			return ZG_ENOMEM;
		}
		int ret = read_value(r, item);
		if (ret != 0) {
			return ret;
		}
	}
}

/*
 * Parses the elements of section until its SECTION_END, or until the
 * end of the message for the root (depth 0). Children are parsed into
 * a local node and moved in afterwards: add_child() may move the
 * parent's array, so no pointer into it is held across recursion.
 */
static int parse_section(struct reader *r, struct vici_node *section,
			 int depth)
{
	for (;;) {
		unsigned type = 0;
		if (r->p == r->end) {
			return depth == 0 ? 0 : ZG_EMALF;
		}
		(void)read_u8(r, &type);
		if (type == VICI_SECTION_END) {
			return depth > 0 ? 0 : ZG_EMALF;
		}

		struct vici_node child = { 0 };
		int ret = 0;
		switch (type) {
		case VICI_SECTION_START:
			child.kind = VICI_NODE_SECTION;
			ret = depth + 1 > VICI_MAX_DEPTH ? ZG_EMALF
							 : read_name(r, &child.name);
			if (ret == 0) {
				ret = parse_section(r, &child, depth + 1);
			}
			break;
		case VICI_KEY_VALUE:
			child.kind = VICI_NODE_VALUE;
			ret = read_name(r, &child.name);
			if (ret == 0) {
				ret = read_value(r, &child);
			}
			break;
		case VICI_LIST_START:
			child.kind = VICI_NODE_LIST;
			ret = read_name(r, &child.name);
			if (ret == 0) {
				ret = parse_list(r, &child);
			}
			break;
		default:
			/* LIST_ITEM and LIST_END outside a list, or an
			 * unknown type. */
			ret = ZG_EMALF;
			break;
		}

		struct vici_node *slot = ret == 0
			? add_child(section, child.kind) : NULL;
		if (ret == 0 && slot == NULL) {
			ret = ZG_ENOMEM;
		}
		if (ret != 0) {
			node_clear(&child);
			return ret;
		}
		*slot = child;
	}
}

int vici_parse(const uint8_t *msg, size_t len, struct vici_node **root)
{
	*root = calloc(1, sizeof(**root));
	if (*root == NULL) {
		return ZG_ENOMEM;
	}
	struct reader r = { .p = msg, .end = msg + len };
	int ret = parse_section(&r, *root, 0);
	if (ret != 0) {
		vici_node_free(*root);
		*root = NULL;
	}
	return ret;
}

void vici_node_free(struct vici_node *root)
{
	if (root != NULL) {
		node_clear(root);
		free(root);
	}
}

const struct vici_node *vici_get(const struct vici_node *section,
				 const char *name)
{
	if (section == NULL || section->kind != VICI_NODE_SECTION) {
		return NULL;
	}
	for (size_t i = 0; i < section->n_children; i++) {
		const struct vici_node *child = &section->children[i];
		if (child->name != NULL && strcmp(child->name, name) == 0) {
			return child;
		}
	}
	return NULL;
}

const char *vici_get_str(const struct vici_node *section, const char *name)
{
	const struct vici_node *node = vici_get(section, name);
	return node != NULL && node->kind == VICI_NODE_VALUE ? node->value
							      : NULL;
}

uint64_t vici_get_u64(const struct vici_node *section, const char *name,
		      uint64_t dflt)
{
	const char *text = vici_get_str(section, name);
	if (text == NULL || *text == '\0') {
		return dflt;
	}
	uint64_t value = 0;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || value > UINT64_MAX / 10) {
			return dflt;
		}
		value = value * 10 + (uint64_t)(*p - '0');
	}
	return value;
}

bool vici_get_yes(const struct vici_node *section, const char *name)
{
	const char *text = vici_get_str(section, name);
	return text != NULL && strcmp(text, "yes") == 0;
}

/*
 * Packets
 */

bool vici_packet_is_named(enum vici_packet_type type)
{
	return type == VICI_CMD_REQUEST || type == VICI_EVENT_REGISTER ||
	       type == VICI_EVENT_UNREGISTER || type == VICI_EVENT;
}

int vici_packet_encode(enum vici_packet_type type, const char *name,
		       const uint8_t *msg, size_t msg_len, uint8_t **out,
		       size_t *out_len)
{
	bool named = vici_packet_is_named(type);
	size_t name_len = named && name != NULL ? strlen(name) : 0;
	if (named && (name_len == 0 || name_len > VICI_NAME_MAX)) {
		return ZG_EINVAL;
	}

	size_t body = 1 + (named ? 1 + name_len : 0) + msg_len;
	if (body > VICI_MAX_PACKET) {
		return ZG_ELIMIT;
	}
	uint8_t *buf = malloc(4 + body);
	if (buf == NULL) {
		return ZG_ENOMEM;
	}
	buf[0] = (uint8_t)(body >> 24);
	buf[1] = (uint8_t)(body >> 16);
	buf[2] = (uint8_t)(body >> 8);
	buf[3] = (uint8_t)body;
	buf[4] = (uint8_t)type;
	size_t pos = 5;
	if (named) {
		buf[pos++] = (uint8_t)name_len;
		memcpy(buf + pos, name, name_len);
		pos += name_len;
	}
	if (msg_len > 0) {
		memcpy(buf + pos, msg, msg_len);
	}
	*out = buf;
	*out_len = 4 + body;
	return 0;
}

int vici_packet_decode(const uint8_t *body, size_t len,
		       struct vici_packet *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 1 || body[0] > VICI_EVENT) {
		return ZG_EMALF;
	}
	out->type = (enum vici_packet_type)body[0];
	size_t pos = 1;
	if (vici_packet_is_named(out->type)) {
		if (len < 2 || len - 2 < body[1]) {
			return ZG_EMALF;
		}
		memcpy(out->name, body + 2, body[1]);
		out->name[body[1]] = '\0';
		pos = 2 + (size_t)body[1];
	}
	out->msg = body + pos;
	out->msg_len = len - pos;
	return 0;
}
