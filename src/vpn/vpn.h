/* SPDX-License-Identifier: GPL-3.0-or-later */
/* IPsec VPN connections driven through strongSwan's charon: the crypto
 * policy, the strongSwan configuration of both ends, the manager thread
 * that keeps charon in line with the store over VICI, and the tunnel
 * state that forwarding uses as a health hint. */
#ifndef ZONEGATE_VPN_VPN_H
#define ZONEGATE_VPN_VPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

struct store;
struct store_ipsec_connection;
struct store_vpn_gateway;
struct store_customer_gateway;
struct store_vpn_route;

/*
 * Design
 * ------
 * zonegated never holds IPsec or routing privileges in its DNS workers:
 * charon does. zonegated only speaks VICI, strongSwan's control protocol,
 * implemented here in C over charon's unix socket (vici.h; Debian ships
 * no libvici header, and driving swanctl would mean files with keys on
 * disk and a process per change). One thread, the manager, owns every
 * VICI connection; the API and DNS workers only read its snapshots.
 *
 * A connection becomes, in charon, an IKE config and a CHILD config of
 * the same name, "zonegate-<connection_id>", and a shared key with that
 * id. "Connection -> routes or interface":
 *
 *   backend          how traffic reaches the tunnel        status
 *   policy (libipsec) traffic selectors = the connection's   this machine
 *                    subnets plus its routes; charon's
 *                    kernel-libipsec plugin holds the SAs in
 *                    userland, a TUN device ipsec0, and
 *                    installs routes in table 220
 *   route (XFRM      one XFRM interface per connection        later
 *   interface)       (if_id), selectors 0.0.0.0/0, routes
 *                    from the route resources
 *
 * LIMITATION: only the policy backend exists. Routes become traffic
 * selectors of the connection's CHILD_SA (and of the peer's side in the
 * downloaded configuration); there is no route-based XFRM interface, so
 * two connections cannot carry overlapping destinations and a route
 * change renegotiates the CHILD_SA.
 */

/*
 * Crypto policy (policy.c). Pure functions.
 */

/* What vpn_check_*() think of one setting. */
enum vpn_verdict {
	VPN_OK = 0,
	VPN_WEAK,		/* allowed only with allow_weak_crypto */
	VPN_INVALID,		/* never allowed */
};

/* One setting found weak or invalid. */
struct vpn_finding {
	const char *field;	/* API field name: "ike_encryption", "psk" */
	enum vpn_verdict verdict;
	char message[256];	/* one sentence naming value and remedy */
};

#define VPN_MAX_FINDINGS 16

struct vpn_findings {
	struct vpn_finding items[VPN_MAX_FINDINGS];
	size_t n;
};

/* Defaults: IKEv2 main, aes256/sha256/modp2048, 86400 s; ESP
 * aes256/sha256 with PFS modp2048, 3600 s; DPD every 30 s. */
#define VPN_DEFAULT_IKE_LIFETIME_S 86400
#define VPN_DEFAULT_ESP_LIFETIME_S 3600
#define VPN_DEFAULT_DPD_INTERVAL_S 30
#define VPN_PSK_MIN_LEN 16
#define VPN_PSK_MAX_LEN 128
#define VPN_PSK_GENERATED_LEN 32

/*! Fills the crypto fields of conn (versions, algorithms, lifetimes,
 *  DPD) with the defaults above; other fields are left alone. */
void vpn_crypto_defaults(struct store_ipsec_connection *conn);

/*! True for the AEAD ciphers (aes128gcm16, aes256gcm16,
 *  chacha20poly1305), which take no separate integrity algorithm. */
bool vpn_cipher_is_aead(const char *cipher);

/*!
 * Checks the crypto fields of conn and appends a finding per setting
 * that is invalid (unknown name, out of range, a combination strongSwan
 * cannot do) or weak (3des, md5, sha1, modp1024, modp1536, IKEv1
 * aggressive mode). Fields are checked in API order.
 */
void vpn_check_crypto(const struct store_ipsec_connection *conn,
		      struct vpn_findings *out);

/*!
 * Checks a pre-shared key: invalid when empty, longer than
 * VPN_PSK_MAX_LEN, holding anything but printable ASCII without blanks,
 * quotes or backslashes, or starting with "0x" or "0s" (strongSwan reads
 * those as hex or base64); weak when shorter than VPN_PSK_MIN_LEN, all
 * digits, made of fewer than 6 distinct characters, or a well-known
 * key. Appends at most one finding for field "psk"; the message never
 * repeats the key.
 */
void vpn_check_psk(const char *psk, struct vpn_findings *out);

/*!
 * Writes a random key of VPN_PSK_GENERATED_LEN letters and digits
 * (starting with a letter) from getrandom().
 * \retval 0, ZG_ELIMIT (outlen too small), -errno.
 */
int vpn_psk_generate(char *out, size_t outlen);

/*! The IKE and ESP proposals in strongSwan syntax, e.g.
 *  "aes256-sha256-modp2048", "aes256gcm16-prfsha256-ecp256",
 *  "3des-md5" (ESP without PFS). \retval 0 or ZG_ELIMIT. */
int vpn_ike_proposal(const struct store_ipsec_connection *conn, char *buf,
		     size_t buflen);
int vpn_esp_proposal(const struct store_ipsec_connection *conn, char *buf,
		     size_t buflen);

/*
 * The two ends (spec.c, peer.c).
 */

#define VPN_NAME_LEN 64
#define VPN_MAX_TS 64
#define VPN_TS_LEN 64
#define VPN_PROPOSAL_LEN 96

/* One end's view of a connection: what charon needs to run it. */
struct vpn_spec {
	char name[VPN_NAME_LEN];	/* "zonegate-vco-1": IKE, CHILD, key */
	char connection_id[VPN_NAME_LEN];
	char connection_name[VPN_NAME_LEN];
	char local_addr[VPN_TS_LEN];	/* bare addresses */
	char remote_addr[VPN_TS_LEN];
	char local_id[VPN_TS_LEN];	/* IKE identities (the addresses) */
	char remote_id[VPN_TS_LEN];
	char local_ts[VPN_MAX_TS][VPN_TS_LEN];	/* canonical CIDRs */
	size_t n_local_ts;
	char remote_ts[VPN_MAX_TS][VPN_TS_LEN];
	size_t n_remote_ts;
	uint32_t ike_version;
	bool aggressive;
	char ike_proposal[VPN_PROPOSAL_LEN];
	char esp_proposal[VPN_PROPOSAL_LEN];
	uint32_t ike_lifetime_s;
	uint32_t esp_lifetime_s;
	uint32_t dpd_interval_s;
	char psk[130];
};

/*!
 * zonegate's end of conn: local is the gateway (public_ip, the
 * connection's local subnets), remote the customer gateway (its address,
 * the remote subnets plus the destinations of routes, each once).
 * \retval 0, ZG_ELIMIT (more than VPN_MAX_TS selectors on a side).
 */
int vpn_spec_build(const struct store_ipsec_connection *conn,
		   const struct store_vpn_gateway *gw,
		   const struct store_customer_gateway *cgw,
		   const struct store_vpn_route *routes, size_t n_routes,
		   struct vpn_spec *out);

/*! The on-premises end: local and remote swapped, the rest equal.
 *  in and out must not overlap. */
void vpn_spec_mirror(const struct vpn_spec *in, struct vpn_spec *out);

/* The formats `zonegate vpn download` offers. */
enum vpn_peer_format {
	VPN_FORMAT_SWANCTL = 0,	/* swanctl.conf: connections and secrets */
	VPN_FORMAT_IPSEC,	/* legacy ipsec.conf plus ipsec.secrets */
};

/* One file of a downloaded configuration. */
struct vpn_peer_file {
	char name[32];		/* "swanctl.conf", "ipsec.conf",
				 * "ipsec.secrets" */
	char *content;		/* malloc'ed, owned */
};

/*!
 * Renders the strongSwan configuration for spec's local end (pass the
 * mirror of zonegate's spec to configure the peer): one file for
 * swanctl, two for ipsec. The files hold the pre-shared key.
 * \param files  receives up to 2 files; *n_files their number. Free with
 *               vpn_peer_files_free().
 * \retval 0, ZG_EINVAL (unknown format), ZG_ENOMEM.
 */
int vpn_peer_render(const struct vpn_spec *spec, enum vpn_peer_format fmt,
		    struct vpn_peer_file files[2], size_t *n_files);

/*! Frees and wipes the contents. */
void vpn_peer_files_free(struct vpn_peer_file files[2], size_t n_files);

/*! Parses "swanctl" or "ipsec". \retval 0 or ZG_EINVAL. */
int vpn_peer_format_parse(const char *text, enum vpn_peer_format *out);

/*
 * Tunnel state as a forwarding health hint (hint.c).
 *
 * The manager publishes, per connection, the destinations reached
 * through it (remote subnets and routes) and whether its CHILD_SA is
 * installed. A forwarding target inside those destinations is behind
 * the tunnel: when the tunnel goes down it cannot answer (except by
 * another path), when the tunnel comes up it can again.
 *
 * Contract with the health module (who marks targets up and down):
 * - pull: vpn_hint_target() is cheap, lock-free (RCU read side; the
 *   calling thread must be registered with urcu) and may be called for
 *   every target that health creates an entry for, so that a target
 *   behind a tunnel that is already down starts out down;
 * - push: the hook set with vpn_hint_set_hook() is called from the
 *   manager thread right after a connection's tunnel changes state, with
 *   the prefixes behind it. On down, health marks every known target in
 *   them down at once (queries fail fast with SERVFAIL and EDE 22 unless
 *   another target answers) and keeps probing them, so a target that
 *   still answers by another path comes back by itself; on up, health
 *   probes them at once and brings them up on the first answer.
 * A target covered by several connections is up when any of them is.
 */

enum vpn_hint {
	VPN_HINT_NONE = 0,	/* no connection leads to the target */
	VPN_HINT_UP,		/* a tunnel to it is up */
	VPN_HINT_DOWN,		/* every tunnel to it is down */
};

/*! What the tunnels say about target (port ignored). connection_id
 *  (may be NULL, VPN_NAME_LEN bytes) receives the deciding connection.
 *  Thread-safe, never blocks. */
enum vpn_hint vpn_hint_target(const struct zg_addr *target,
			      char *connection_id);

/*!
 * Called when a connection's tunnel goes up or down: prefixes (n of
 * them, borrowed for the call) are the destinations behind it. Runs in
 * the manager thread, which is registered with urcu; must not block
 * for long nor call vpn_hint_set_hook().
 */
typedef void (*vpn_hint_fn)(void *arg, const char *connection_id,
			    const struct zg_prefix *prefixes, size_t n,
			    bool up);

/*! Sets (or with NULL clears) the one hook. Thread-safe. */
void vpn_hint_set_hook(vpn_hint_fn fn, void *arg);

/* One connection's entry in the hint table. */
struct vpn_hint_entry {
	char connection_id[VPN_NAME_LEN];
	struct zg_prefix prefixes[VPN_MAX_TS];
	size_t n_prefixes;
	bool up;
};

/*!
 * Replaces the whole table (copied) and calls the hook for every
 * connection whose state changed, appeared (reported as it is) or
 * disappeared (reported up: nothing holds its targets down any more).
 * Called by the manager; exposed for tests.
 * \retval 0 or ZG_ENOMEM (the old table stays).
 */
int vpn_hint_publish(const struct vpn_hint_entry *entries, size_t n);

/*! Empties the table without calling the hook (tests, shutdown). */
void vpn_hint_reset(void);

/*
 * The manager (manager.c): one thread that keeps charon's configuration
 * equal to the store's enabled connections and watches their SAs.
 *
 *   charon:   unknown --connect ok--> connected --I/O error--> down
 *                ^                                               |
 *                +------- retry after 1, 2, 4 ... 30 s ----------+
 *
 *   tunnel:   down --IKE_SA up, CHILD_SA installed--> up
 *             up --CHILD_SA or IKE_SA gone, charon down--> down
 *             (disabled connections are unloaded and stay down)
 *
 * It talks to charon only while the store holds a connection, so a
 * zonegated without VPN never touches the VICI socket.
 */

struct vpn_manager;

#define VPN_DEFAULT_VICI_SOCKET "/var/run/charon.vici"

/*!
 * Starts the manager thread. vici_path is copied. \return the manager,
 * or NULL (logged).
 */
struct vpn_manager *vpn_manager_start(struct store *store,
				      const char *vici_path);

/*! Stops the thread (bounded: VICI calls time out) and frees the
 *  manager; charon keeps what was loaded. Accepts NULL. */
void vpn_manager_stop(struct vpn_manager *mgr);

/*! Asks the manager to re-read the store now (a VPN resource changed).
 *  Cheap, thread-safe, never blocks; may be called inside the store
 *  transaction making the change (the manager's read waits for it). */
void vpn_manager_kick(struct vpn_manager *mgr);

/*!
 * Asks the manager to have charon initiate connection_id's tunnel now,
 * if it is enabled, loaded and has no IKE_SA (an operator's "initiate";
 * charon otherwise retries by itself with growing pauses). Cheap,
 * thread-safe, never blocks.
 */
void vpn_manager_initiate(struct vpn_manager *mgr, const char *connection_id);

/* The state of a connection's tunnel. */
enum vpn_tunnel_state {
	VPN_TUNNEL_UNKNOWN = 0,	/* not looked at yet */
	VPN_TUNNEL_DISABLED,	/* enabled false: not in charon */
	VPN_TUNNEL_DOWN,	/* no IKE_SA, or charon unreachable */
	VPN_TUNNEL_CONNECTING,	/* an IKE_SA is being set up, or no
				 * CHILD_SA is installed yet */
	VPN_TUNNEL_UP,		/* CHILD_SA installed */
};

/*! "unknown", "disabled", "down", "connecting", "up". */
const char *vpn_tunnel_state_name(enum vpn_tunnel_state state);

struct vpn_child_status {
	char name[VPN_NAME_LEN];
	char state[24];			/* charon's: INSTALLED, REKEYING... */
	char protocol[8];		/* ESP */
	char encryption[48];		/* "AES_CBC-256" */
	char integrity[48];		/* "HMAC_SHA2_256_128" or "" */
	uint64_t bytes_in, bytes_out;
	uint64_t packets_in, packets_out;
	uint64_t installed_s;		/* seconds since installed */
	char local_ts[VPN_MAX_TS / 4][VPN_TS_LEN];
	size_t n_local_ts;
	char remote_ts[VPN_MAX_TS / 4][VPN_TS_LEN];
	size_t n_remote_ts;
};

#define VPN_MAX_CHILDREN 4

struct vpn_conn_status {
	char connection_id[VPN_NAME_LEN];
	enum vpn_tunnel_state state;
	int64_t changed_unix_s;		/* last change of state; 0: never */
	bool loaded;			/* charon has its config */
	char error[256];		/* last load error, "" when none */
	bool has_ike;			/* an IKE_SA exists */
	char ike_state[24];		/* ESTABLISHED, CONNECTING... */
	uint32_t ike_version;
	char local_host[VPN_TS_LEN];
	char remote_host[VPN_TS_LEN];
	char ike_proposal[128];		/* "AES_CBC-256/HMAC_SHA2_256_128/
					 * PRF_HMAC_SHA2_256/MODP_2048" */
	uint64_t established_s;		/* seconds since established */
	struct vpn_child_status children[VPN_MAX_CHILDREN];
	size_t n_children;
};

struct vpn_status {
	char vici_socket[108];
	bool charon_connected;
	char charon_version[64];	/* "5.9.8" once connected */
	char charon_error[256];		/* why not connected; "" */
	int64_t retry_in_s;		/* next connection attempt; -1 none */
	int64_t updated_unix_s;		/* when SAs were last read */
	struct vpn_conn_status *conns;	/* malloc'ed */
	size_t n_conns;
};

/*!
 * Copies the latest status. When fresh_ms > 0, first asks the manager
 * to read the SAs again and waits up to fresh_ms for it (API threads
 * only; never a DNS worker).
 * \retval 0 or ZG_ENOMEM. Free with vpn_status_clear().
 */
int vpn_manager_status(struct vpn_manager *mgr, int fresh_ms,
		       struct vpn_status *out);

void vpn_status_clear(struct vpn_status *status);

#endif
