/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Serial number arithmetic of RFC 1982, for SOA serials. */
#include "xfr/xfr.h"

enum xfr_serial_order xfr_serial_compare(uint32_t a, uint32_t b)
{
	/* RFC 1982 section 3.2 with SERIAL_BITS 32: a is greater than b
	 * when the distance from b forward to a is below 2^31. A distance
	 * of exactly 2^31 is neither greater nor less. */
	uint32_t forward = a - b;
	if (forward == 0) {
		return XFR_SERIAL_EQUAL;
	}
	if (forward == UINT32_C(0x80000000)) {
		return XFR_SERIAL_UNDEFINED;
	}
	return forward < UINT32_C(0x80000000) ? XFR_SERIAL_GREATER
					      : XFR_SERIAL_LESS;
}
