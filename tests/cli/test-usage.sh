#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
echo 1..1
echo "not ok 1 - placeholder"
