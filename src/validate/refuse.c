/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every check of the module shares. */
#include "validate/validate_priv.h"

#include <stdarg.h>
#include <stdio.h>

#include "common/error.h"

int validate_refuse(char *msg, size_t msglen, const char *fmt, ...)
{
	if (msg != NULL && msglen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return ZG_EINVAL;
}
