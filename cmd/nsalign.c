// SPDX-License-Identifier: GPL-2.0-or-later
#include "builtin.h"
int main(int argc, char **argv) { return 0; }
