// SPDX-License-Identifier: GPL-2.0-or-later
#include "libnsalign.h"
#include "test.h"

TEST(placeholder_to_be_replaced)
{
	CHECK(0);
}
