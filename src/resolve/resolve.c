/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder until the resolve module lands. */
#include "resolve/resolve.h"
