/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder until the api module lands. */
#include "api/api.h"
