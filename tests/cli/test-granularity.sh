#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One platform granularity everywhere: every command reads [Platform]
# Granularity= from nsalign.conf and its drop-ins, as nsalignd does
# (util/conf.c, one parser); --granularity overrides it; without either,
# the architecture's figure.  A recorded move that is not a multiple of
# it is NSA-GRANULARITY-COARSE.  Boot 1 is the lab's; "boot 2" here is it
# moved 32 MiB higher by jq.
. "$TOP_SRCDIR/tests/cli/lib.sh"

b1="$FIXTURES/lab-shift-boot1.json"
conf="$TMP/etc"
mkdir -p "$conf/nsalign.conf.d"
export NSALIGN_CONFIG_DIR="$conf"

granularity_is() { # granularity_is BYTES DESCRIPTION: what check, simulate, map and create say
	local want=$1 what=$2 got
	run "$NSALIGN" check --json --snapshot "$b1" ${3:+"$3"}
	got=$(jq -r '.platform.platform_granularity' "$TMP/out")
	run "$NSALIGN" simulate --json --snapshot "$b1" ${3:+"$3"}
	got="$got $(jq -r '.granularity' "$TMP/out")"
	run "$NSALIGN" map --json --snapshot "$b1" ${3:+"$3"}
	got="$got $(jq -r '.granularity' "$TMP/out")"
	run "$NSALIGN" create-namespace --dry-run --snapshot "$b1" -m fsdax -s 256M ${3:+"$3"}
	got="$got $(jq -r '.plan.granularity' "$TMP/out")"
	[ "$got" = "$want $want $want $want" ] && ok "$what: check, simulate, map, create-namespace" ||
		not_ok "$what: granularity $got, expected $want everywhere"
}

granularity_is 67108864 "no configuration: x86_64's 64 MiB"
printf '[Platform]\nGranularity=128M\n' >"$conf/nsalign.conf"
granularity_is 134217728 "nsalign.conf Granularity=128M"
printf '[Platform]\nGranularity=32M\n' >"$conf/nsalign.conf.d/50-site.conf"
granularity_is 33554432 "a drop-in overrides the file"
granularity_is 16777216 "--granularity overrides both" --granularity=16M
run "$NSALIGN" check --snapshot "$b1"
tr -s ' \n' '  ' <"$TMP/out" | grep -q "platform granularity 32 MiB" && ok "text: says the granularity in force" ||
	{ not_ok "text: no 'platform granularity 32 MiB'"; head -4 "$TMP/out" | diag; }
printf '[Platform]\nGranularity=auto\n' >"$conf/nsalign.conf.d/50-site.conf"
granularity_is 67108864 "Granularity=auto: the architecture's"

# a broken file: said on stderr, not used; the command's verdict unchanged
printf '[Platform]\nGranularity=33M\n' >"$conf/nsalign.conf.d/50-site.conf"
run "$NSALIGN" check --json --snapshot "$b1"
expect_rc 1 "broken configuration: check still judges"
grep -q '50-site.conf:2: bad value "33M" for Granularity=.*the configuration is not used' "$TMP/err" &&
	ok "broken configuration: one line names the file, the line and the value" ||
	{ not_ok "broken configuration not said"; diag <"$TMP/err"; }
jq -e '.platform.platform_granularity == 67108864' "$TMP/out" >/dev/null &&
	ok "broken configuration: the defaults" || not_ok "broken configuration used"
rm -f "$conf/nsalign.conf.d/50-site.conf" "$conf/nsalign.conf"

# nsalignd reads the same directory the same way
if [ -x "${NSALIGND:-}" ]; then
	"$NSALIGND" --help 2>&1 | grep -q "nsalign.conf" && ok "nsalignd names nsalign.conf in its help" ||
		not_ok "nsalignd --help does not name nsalign.conf"
fi

# a recorded move of 32 MiB against a 64 MiB granularity
jq '(.regions[].resource, .namespaces[].resource, .namespaces[].data_resource, .dax[].resource) |= (. + 33554432)
	| .collected_at = "2026-12-02T10:00:00Z" | .platform.boot_id = "2c81afe6-99c7-4a9f-81c0-1b0211cdd9fe"' \
	"$b1" >"$TMP/b32.json"
st="$TMP/state"
run "$NSALIGN" check --record --snapshot "$b1" --state-dir "$st"
run "$NSALIGN" check --boot --no-journal --json --snapshot "$TMP/b32.json" --state-dir "$st"
expect_rc 1 "32 MiB move: warnings"
jq -e '[.findings[] | select(.code == "NSA-GRANULARITY-COARSE")] | length == 1' "$TMP/out" >/dev/null &&
	ok "32 MiB move, 64 MiB granularity: NSA-GRANULARITY-COARSE once" ||
	{ not_ok "no NSA-GRANULARITY-COARSE"; jq -c '[.findings[].code]' "$TMP/out" | diag; }
jq -e '.findings[] | select(.code == "NSA-GRANULARITY-COARSE") | .severity == "warning" and .dev == "region0"
	and .shift == 33554432 and .granularity == 67108864 and .suggested_granularity == 33554432
	and (.remedy | contains("Granularity=32M")) and (.message | contains("may be optimistic"))' "$TMP/out" >/dev/null &&
	ok "the finding: the move, the granularity, the value to set" ||
	{ not_ok "finding facts wrong"; jq -c '.findings[] | select(.code == "NSA-GRANULARITY-COARSE")' "$TMP/out" | diag; }
printf '[Platform]\nGranularity=32M\n' >"$conf/nsalign.conf.d/50-site.conf"
run "$NSALIGN" check --boot --no-journal --json --snapshot "$TMP/b32.json" --state-dir "$st"
jq -e '[.findings[] | select(.code == "NSA-GRANULARITY-COARSE")] | length == 0' "$TMP/out" >/dev/null &&
	ok "Granularity=32M as suggested: the history says nothing more" ||
	{ not_ok "still NSA-GRANULARITY-COARSE at 32M"; jq -c '[.findings[].code]' "$TMP/out" | diag; }

done_testing
