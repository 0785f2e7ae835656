# SPDX-License-Identifier: GPL-2.0-or-later
# Random seed 254587, kept: legacy memmap=300M!4576M made devdax -a 1G by
# 'nsalign create-namespace -e': the plan put the data start past the end of
# the range (data_size underflowed) and said ok, the kernel said 'unable to
# satisfy requested alignment'; then a -64 MiB move of the raw range, for
# which simulate said null.
RANDOM_SEED=254587
# drawn from x86_64's menu (random.sh)
RANDOM_DRAW=x86_64
. "$VM_TOP/random.sh"
