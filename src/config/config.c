/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder until the config module lands. */
#include "config/config.h"
