#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# contrib/prometheus against what nsalign writes: every metric the alerting
# rules and the Grafana dashboard use is one that 'check --format prometheus'
# writes and nsalign-prometheus(7) documents, every label the rules quote is
# one the metrics carry, every alert has a unit test that fires it and a line
# in the man page.  promtool itself runs in scripts/test.sh.
. "$TOP_SRCDIR/tests/cli/lib.sh"

contrib=$TOP_SRCDIR/contrib/prometheus
rules=$contrib/nsalign.rules.yml
rtest=$contrib/nsalign.rules.test.yml
dash=$contrib/nsalign-dashboard.json
man=$TOP_SRCDIR/man/nsalign-prometheus.7.adoc

# what nsalign writes: every fixture and hand snapshot, and a --boot against a
# recorded layout (the baseline's timestamp)
for snap in "$FIXTURES"/*.json "$SNAPSHOTS"/*.json; do
	"$NSALIGN" check -s "$snap" --format prometheus 2>/dev/null
done >"$TMP/all.prom"
"$NSALIGN" check --record -s "$FIXTURES/lab-shift-boot1.json" --state-dir "$TMP/st" >/dev/null 2>&1
"$NSALIGN" check --boot -s "$FIXTURES/lab-shift-boot2.json" --state-dir "$TMP/st" --format prometheus \
	>>"$TMP/all.prom" 2>/dev/null
sed -n 's/^\(nsalign_[a-z_]*\).*/\1/p' "$TMP/all.prom" | sort -u >"$TMP/written"
# label names, and instance and job from the scrape
{
	grep -o '[{,][a-z_]*="' "$TMP/all.prom" | tr -d '{,="'
	printf '%s\n' instance job
} | sort -u >"$TMP/labels"
[ "$(wc -l <"$TMP/written")" -ge 10 ] && ok "nsalign writes $(wc -l <"$TMP/written") metrics" ||
	{ not_ok "nsalign writes too few metrics"; diag <"$TMP/written"; }

# documented in nsalign-prometheus(7), both ways
sed -n '/^== METRICS/,/^== /p' "$man" | grep -o '^\*nsalign_[a-z_]*\*\|, \*nsalign_[a-z_]*\*' |
	tr -d '*, ' | sort -u >"$TMP/documented"
if cmp -s "$TMP/written" "$TMP/documented"; then
	ok "nsalign-prometheus(7) documents every metric nsalign writes, and only those"
else
	not_ok "nsalign-prometheus(7)'s METRICS and what nsalign writes differ"
	diff "$TMP/documented" "$TMP/written" | diag
fi

# the rules: metrics, labels
[ -s "$rules" ] && ok "contrib/prometheus/nsalign.rules.yml is there" || not_ok "no $rules"
check_uses() { # check_uses NAME FILE: its nsalign_* metrics are written ones
	local missing
	missing=$(grep -o 'nsalign_[a-z_]*' "$2" | sort -u | comm -23 - "$TMP/written")
	[ -z "$missing" ] && ok "$1 uses only metrics nsalign writes" ||
		{ not_ok "$1 uses metrics nsalign does not write"; diag <<<"$missing"; }
}
check_uses "nsalign.rules.yml" "$rules"
missing=$(grep -o '\$labels\.[a-z_]*' "$rules" | sed 's/.*\.//' | sort -u | comm -23 - "$TMP/labels")
[ -z "$missing" ] && ok "nsalign.rules.yml quotes only labels the metrics carry" ||
	{ not_ok "nsalign.rules.yml quotes labels no metric carries"; diag <<<"$missing"; }
other=$(grep '^ *expr:' "$rules" | grep -o '\b[a-z_]*_seconds\b\|\b[a-z_]*_bytes\b\|\bnode_[a-z_]*' |
	grep -v '^nsalign_' | sort -u | grep -vx 'node_boot_time_seconds' || true)
[ -z "$other" ] && ok "the rules use no other exporter's metric but node_boot_time_seconds" ||
	{ not_ok "the rules use other metrics"; diag <<<"$other"; }

# every alert: documented, and fired by a unit test
alerts=$(sed -n 's/^ *- alert: *//p' "$rules")
[ -n "$alerts" ] && ok "$(wc -w <<<"$alerts") alerts" || not_ok "no alert in $rules"
for a in $alerts; do
	grep -q "^\*$a\* " "$man" && ok "$a is in nsalign-prometheus(7)" ||
		not_ok "$a is not in nsalign-prometheus(7)'s ALERTS"
	# an alert_rule_test of this alert whose exp_alerts is not empty
	awk -v a="$a" '/alertname:/ { cur = $2 } /exp_alerts:/ { if (cur == a && $2 != "[]") found = 1 }
		END { exit !found }' "$rtest" && ok "$a: a unit test fires it" ||
		not_ok "$a: no unit test in nsalign.rules.test.yml expects it to fire"
done

# the dashboard
if command jq -e . "$dash" >/dev/null 2>&1; then ok "nsalign-dashboard.json is JSON"; else
	not_ok "nsalign-dashboard.json is not JSON"
fi
command jq -r '.panels[].targets[].expr' "$dash" >"$TMP/exprs" 2>/dev/null
check_uses "nsalign-dashboard.json" "$TMP/exprs"
jq -e '[.panels[].id] | length == (unique | length)' "$dash" && ok "the dashboard's panel ids are unique" ||
	not_ok "the dashboard's panel ids repeat"
jq -e 'all(.panels[]; (.targets | length) > 0)' "$dash" && ok "every panel has a query" ||
	not_ok "a panel has no query"
jq -e '[.. | objects | select(has("datasource")) | .datasource | objects | .uid] | all(. == "${datasource}")' "$dash" &&
	ok "every query reads the dashboard's data source variable" ||
	not_ok "a query names a data source of its own"
jq -e '[.. | objects | select(has("expr")) | .expr] | all(test("\\$instance"))' "$dash" &&
	ok "every query is restricted to the hosts chosen" || not_ok "a query ignores \$instance"

done_testing
