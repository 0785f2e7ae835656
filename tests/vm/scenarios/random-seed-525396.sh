# SPDX-License-Identifier: GPL-2.0-or-later
# Random seed 525396, kept: 'ndctl create-namespace -m sector -s 16M' fails
# (the BTT does not fit) and leaves namespace0.0 disabled with its 16 MiB and
# btt0.0: the region has no idle namespace seed left.  nsalign's plan for the
# next namespace (devdax 768M) said ok; the create failed ('no idle namespace
# seed ... ROLLBACK FAILED') with nothing of its own to roll back.
RANDOM_SEED=525396
# drawn from x86_64's menu (random.sh)
RANDOM_DRAW=x86_64
. "$VM_TOP/random.sh"
