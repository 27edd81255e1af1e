/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef ZONEGATE_API_API_H
#define ZONEGATE_API_API_H
#endif
