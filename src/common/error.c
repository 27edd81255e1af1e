/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Texts for zonegate's error codes. */
#include "common/error.h"

#include <string.h>

const char *zg_strerror(int code)
{
	switch (code) {
	case ZG_OK: return "success";
	case ZG_EINVAL: return "invalid input";
	case ZG_ENOENT: return "no such resource";
	case ZG_EEXIST: return "already exists";
	case ZG_ENOMEM: return "out of memory";
	case ZG_ECONFLICT: return "conflicting or stale change";
	case ZG_ETIMEOUT: return "timed out";
	case ZG_EUPSTREAM: return "every target failed";
	case ZG_ESTORE: return "state database error";
	case ZG_ESCHEMA: return "state database schema is newer than this program";
	case ZG_EMALF: return "malformed DNS message";
	case ZG_ELIMIT: return "limit reached";
	case ZG_EREFUSED: return "refused by policy";
	case ZG_EINTERNAL: return "internal error";
	default:
		break;
	}
	if (code < 0 && code > -4096) {
		/* strerror() is not thread-safe in general, but glibc returns
		 * static strings for known errno values. */
		return strerror(-code);
	}
	return "unknown error";
}
