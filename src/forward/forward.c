/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder until the forward module lands. */
#include "forward/forward.h"
