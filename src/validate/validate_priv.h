/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inside the validate module: what its files share. */
#ifndef ZONEGATE_VALIDATE_VALIDATE_PRIV_H
#define ZONEGATE_VALIDATE_VALIDATE_PRIV_H

#include <stddef.h>

/*! Writes the sentence fmt into msg (when msg is not NULL) and returns
 *  ZG_EINVAL: how every check refuses its input. */
int validate_refuse(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
