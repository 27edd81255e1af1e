/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef ZONEGATE_STORE_STORE_H
#define ZONEGATE_STORE_STORE_H
#endif
