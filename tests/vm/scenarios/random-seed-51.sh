# SPDX-License-Identifier: GPL-2.0-or-later
# Random seed 51, kept: legacy memmap=300M!5888M stays raw (ndctl refuses
# devdax there), moved +16 MiB: simulate said available_after null for the
# raw legacy namespace, the kernel mapped it.
RANDOM_SEED=51
# drawn from x86_64's menu (random.sh)
RANDOM_DRAW=x86_64
. "$VM_TOP/random.sh"
