/* SPDX-License-Identifier: GPL-3.0-or-later */
/* strongSwan's VICI protocol, spoken by zonegate itself over charon's
 * unix socket: message encoding and decoding, packet framing, and a
 * blocking client connection. Inside the vpn module and its tests only;
 * other modules use vpn/vpn.h. */
#ifndef ZONEGATE_VPN_VICI_H
#define ZONEGATE_VPN_VICI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The protocol (strongSwan's src/libcharon/plugins/vici/README.md)
 * --------------------------------------------------------------
 * Transport: a stream of packets, each a 32-bit big-endian length (of
 * what follows, not of itself) and then:
 *
 *     type (1 octet) [name length (1) name] message
 *
 * Named types carry a name: CMD_REQUEST (the command), EVENT_REGISTER,
 * EVENT_UNREGISTER and EVENT (the event). The message is a sequence of
 * elements, each starting with a type octet:
 *
 *     SECTION_START  name length (1) name      opens a section
 *     SECTION_END                              closes it
 *     KEY_VALUE      name length (1) name  value length (2, BE) value
 *     LIST_START     name length (1) name      opens a list
 *     LIST_ITEM      value length (2, BE) value  only inside a list
 *     LIST_END                                 closes the list
 *
 * Sections nest; lists hold only items. A command is answered by one
 * CMD_RESPONSE (or CMD_UNKNOWN); a streamed command (list-sas) first
 * sends EVENT packets of an event the client registered for on the same
 * connection. Registration is answered by EVENT_CONFIRM or
 * EVENT_UNKNOWN.
 */

enum vici_packet_type {
	VICI_CMD_REQUEST = 0,
	VICI_CMD_RESPONSE = 1,
	VICI_CMD_UNKNOWN = 2,
	VICI_EVENT_REGISTER = 3,
	VICI_EVENT_UNREGISTER = 4,
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,
	VICI_EVENT = 7,
};

enum vici_element_type {
	VICI_SECTION_START = 1,
	VICI_SECTION_END = 2,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
	VICI_LIST_END = 6,
};

/* Largest packet accepted or sent (charon's own limit). */
#define VICI_MAX_PACKET (512 * 1024)
/* Deepest nesting of sections accepted when parsing. */
#define VICI_MAX_DEPTH 16
/* Longest name (one length octet). */
#define VICI_NAME_MAX 255

/*
 * Building a message. Calls after the first error do nothing; the error
 * is reported by vici_builder_finish().
 */
struct vici_builder {
	uint8_t *buf;			/* owned */
	size_t len;
	size_t cap;
	int depth;			/* open sections */
	bool in_list;
	int err;			/* first error, 0 while none */
};

void vici_builder_init(struct vici_builder *b);
/*! Frees the buffer; b may be reused after vici_builder_init(). */
void vici_builder_free(struct vici_builder *b);

void vici_section_begin(struct vici_builder *b, const char *name);
void vici_section_end(struct vici_builder *b);
/*! A key with a string value (without the NUL). */
void vici_add_str(struct vici_builder *b, const char *key,
		  const char *value);
void vici_add_bytes(struct vici_builder *b, const char *key,
		    const void *value, size_t len);
void vici_add_fmt(struct vici_builder *b, const char *key, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));
void vici_list_begin(struct vici_builder *b, const char *name);
void vici_list_item(struct vici_builder *b, const char *value);
void vici_list_end(struct vici_builder *b);

/*!
 * Checks that every section and list is closed.
 * \retval 0, ZG_EINVAL (a name longer than 255 octets or empty, a value
 *         longer than 65535, an element where it cannot be, unclosed
 *         sections), ZG_ELIMIT (over VICI_MAX_PACKET), ZG_ENOMEM.
 */
int vici_builder_finish(struct vici_builder *b);

/*
 * A parsed message: a tree whose root is an unnamed section.
 */
enum vici_node_kind {
	VICI_NODE_SECTION = 0,
	VICI_NODE_VALUE,
	VICI_NODE_LIST,
};

struct vici_node {
	enum vici_node_kind kind;
	char *name;			/* NUL-terminated; NULL for the root
					 * and for list items */
	char *value;			/* VALUE: the octets plus a NUL */
	size_t len;			/* VALUE: octets without the NUL */
	struct vici_node *children;	/* SECTION: elements in order;
					 * LIST: its items (VALUE nodes) */
	size_t n_children;
};

/*!
 * Parses one message (the part of a packet after type and name).
 * \retval 0 with *root set (free with vici_node_free()), ZG_EMALF (an
 *         element cut short, an unknown element type, an item outside a
 *         list, a key or section inside a list, a section end without a
 *         start, a section or list left open, nesting deeper than
 *         VICI_MAX_DEPTH), ZG_ENOMEM.
 */
int vici_parse(const uint8_t *msg, size_t len, struct vici_node **root);

/*! Frees a tree from vici_parse(). Accepts NULL. */
void vici_node_free(struct vici_node *root);

/*! The first child of section named name, of any kind; NULL if none. */
const struct vici_node *vici_get(const struct vici_node *section,
				 const char *name);
/*! The string value of key name in section, or NULL (absent, or not a
 *  value). */
const char *vici_get_str(const struct vici_node *section, const char *name);
/*! The decimal value of key name, or dflt when absent or not a number. */
uint64_t vici_get_u64(const struct vici_node *section, const char *name,
		      uint64_t dflt);
/*! True when key name is "yes". */
bool vici_get_yes(const struct vici_node *section, const char *name);

/*
 * Packets
 */

/*!
 * Frames a packet: length, type, name (for named types), message.
 * \param name  required for named types, ignored for the others.
 * \param out   receives a malloc'ed buffer the caller frees.
 * \retval 0, ZG_EINVAL (a named type without a name, or a name over 255
 *         octets), ZG_ELIMIT (over VICI_MAX_PACKET), ZG_ENOMEM.
 */
int vici_packet_encode(enum vici_packet_type type, const char *name,
		       const uint8_t *msg, size_t msg_len, uint8_t **out,
		       size_t *out_len);

/* A packet after its length prefix, split into its parts. */
struct vici_packet {
	enum vici_packet_type type;
	char name[VICI_NAME_MAX + 1];	/* "" for unnamed types */
	const uint8_t *msg;		/* into the decoded buffer */
	size_t msg_len;
};

/*! True for the types that carry a name. */
bool vici_packet_is_named(enum vici_packet_type type);

/*!
 * Splits a packet body (the octets after the length prefix).
 * \retval 0 or ZG_EMALF (empty, unknown type, name cut short).
 */
int vici_packet_decode(const uint8_t *body, size_t len,
		       struct vici_packet *out);

/*
 * A client connection. Blocking, with a deadline per call; owned by one
 * thread at a time (the VPN manager's), never by a DNS worker.
 */
struct vici_conn;

/*!
 * Connects to the unix socket at path.
 * \retval 0 with *out set; -errno from connect() (-ENOENT: no socket
 *         there, -ECONNREFUSED: nobody listens, -EACCES), ZG_EINVAL
 *         (path too long), ZG_ETIMEOUT, ZG_ENOMEM.
 */
int vici_connect(const char *path, int timeout_ms, struct vici_conn **out);

/*! Closes the connection. Accepts NULL. */
void vici_close(struct vici_conn *conn);

/*! The socket, for poll() by the owner (readable: a packet waits). */
int vici_conn_fd(const struct vici_conn *conn);

/*!
 * Called for each EVENT packet that arrives while a request waits for
 * its response (the items of a streamed command). msg is borrowed.
 */
typedef void (*vici_event_fn)(void *arg, const char *event,
			      const struct vici_node *msg);

/*!
 * Sends command cmd with the message of b (NULL: an empty message) and
 * waits for its response, passing events that arrive first to on_event
 * (may be NULL).
 * \param response  receives the parsed response (the caller frees it
 *                  with vici_node_free()); may be NULL.
 * \retval 0; ZG_ENOENT (CMD_UNKNOWN: charon has no such command);
 *         ZG_ETIMEOUT; ZG_EMALF (a malformed or unexpected packet);
 *         -EPIPE/-ECONNRESET (charon went away), other -errno; ZG_ENOMEM.
 *         After any failure but ZG_ENOENT the connection is unusable.
 */
int vici_request(struct vici_conn *conn, const char *cmd,
		 const struct vici_builder *b, int timeout_ms,
		 vici_event_fn on_event, void *arg,
		 struct vici_node **response);

/*!
 * Registers for (register true) or unregisters from event.
 * \retval 0; ZG_ENOENT (EVENT_UNKNOWN); errors as vici_request().
 */
int vici_event_register(struct vici_conn *conn, const char *event,
			bool reg, int timeout_ms);

/*!
 * Reads one packet waiting on a connection that is registered for
 * events: an EVENT goes to on_event. Returns at once with ZG_ETIMEOUT
 * when nothing arrives within timeout_ms.
 * \retval 0, ZG_ETIMEOUT, ZG_EMALF (anything but an EVENT), -errno.
 */
int vici_read_event(struct vici_conn *conn, int timeout_ms,
		    vici_event_fn on_event, void *arg);

#endif
