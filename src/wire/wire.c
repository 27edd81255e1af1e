/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder until the wire module lands. */
#include "wire/wire.h"
