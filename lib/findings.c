// SPDX-License-Identifier: LGPL-2.1-or-later
/* STUB: being written */
#include <errno.h>

#include "private.h"
