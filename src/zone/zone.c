/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder until the zone module lands. */
#include "zone/zone.h"
