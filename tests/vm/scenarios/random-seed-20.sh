# SPDX-License-Identifier: GPL-2.0-or-later
# Random seed 20, kept: legacy memmap=1024M!4121M (1 MiB off 2 MiB), made
# raw by 'nsalign create-namespace -e': the plan said raw works anywhere, the
# kernel said 'misaligned, unable to map'; then a +64 MiB move.
RANDOM_SEED=20
# drawn from x86_64's menu (random.sh)
RANDOM_DRAW=x86_64
. "$VM_TOP/random.sh"
