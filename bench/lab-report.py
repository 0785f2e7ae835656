#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The side-by-side benchmark's table (bench/vm-compare.sh): reads the
guest's times.txt, strace.txt and blocks.txt of each boot of the
bench-compare scenario and prints, per layout, each tool's median and
min/max wall time, its system calls and sysfs opens, the ratios, and MET /
NOT MET against issue 21's targets; for the scale steps, time per memory
block.  Exit status 0 unless a boot's files are missing.

    bench/lab-report.py RUN-DIR   (tests/vm/.cache/run/bench-compare)
"""
import os
import statistics
import sys

TOOLS = [
    ("check", "nsalign check"),
    ("ndrnv", "ndctl list -RNv"),
    ("daxm", "daxctl list -M"),
    ("lsmem", "lsmem -J"),
    ("list", "nsalign list"),
    ("listn", "nsalign list -N"),
    ("ndn", "ndctl list -N"),
    ("nsver", "nsalign --version"),
    ("ndver", "ndctl --version"),
]
NAME = dict(TOOLS)
THREE = ("ndrnv", "daxm", "lsmem")
TARGETS = {"check": 0.40, "list": 0.80, "sysfs": 0.50}


def read_boot(d):
    """{step: {"times": {tool: {round: us}}, "strace": {tool: (calls, sysfs, opens)}, "blocks": n}}"""
    steps = {}
    with open(os.path.join(d, "times.txt")) as f:
        for line in f:
            p = line.split()
            if len(p) < 6:
                continue
            step, rnd, tool = p[0].split(":")
            steps.setdefault(step, {"times": {}, "strace": {}, "blocks": 0, "ns": 0})
            steps[step]["times"].setdefault(tool, {})[int(rnd)] = int(p[1])
    with open(os.path.join(d, "strace.txt")) as f:
        for line in f:
            p = line.split()
            if len(p) == 5 and p[0] in steps:
                steps[p[0]]["strace"][p[1]] = tuple(int(x) for x in p[2:5])
    with open(os.path.join(d, "blocks.txt")) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[0] in steps:
                steps[p[0]]["blocks"] = int(p[1])
                steps[p[0]]["ns"] = int(p[2])
    return steps


def ms(us):
    return us / 1000.0


def met(ok):
    return "MET" if ok else "NOT MET"


def per_round_ratio(times, num, den):
    """median over the rounds of sum(num) / sum(den), each round's own"""
    rounds = set.intersection(*(set(times[t]) for t in num + den))
    r = [sum(times[t][i] for t in num) / sum(times[t][i] for t in den) for i in sorted(rounds)]
    return statistics.median(r), min(r), max(r), len(r)


def min_ratio(times, num, den):
    """sum of the tools' minima over the rounds, num over den: the least disturbed run of each"""
    return sum(min(times[t].values()) for t in num) / sum(min(times[t].values()) for t in den)


def report_step(step, s):
    t = s["times"]
    print(f"\n== {step}: {s['blocks']} memory blocks, {s['ns']} namespaces, "
          f"{len(next(iter(t.values())))} rounds")
    print(f"{'tool':<18} {'median ms':>10} {'min ms':>9} {'max ms':>9} {'syscalls':>9} {'sysfs opens':>12}")
    for tool, name in TOOLS:
        if tool not in t:
            continue
        v = list(t[tool].values())
        c = s["strace"].get(tool, (0, 0, 0))
        print(f"{name:<18} {ms(statistics.median(v)):>10.1f} {ms(min(v)):>9.1f} {ms(max(v)):>9.1f} {c[0]:>9} {c[1]:>12}")
    res = {}
    m, lo, hi, n = per_round_ratio(t, ["check"], list(THREE))
    res["check"] = m
    print(f"check / (ndctl list -RNv + daxctl list -M + lsmem -J): {m:.2f} (rounds {lo:.2f}..{hi:.2f})"
          f"  target <= {TARGETS['check']:.2f}: {met(m <= TARGETS['check'])}"
          f"  [minima: {min_ratio(t, ['check'], list(THREE)):.2f}]")
    m, lo, hi, n = per_round_ratio(t, ["list"], ["ndrnv"])
    res["list"] = m
    print(f"list / ndctl list -RNv: {m:.2f} (rounds {lo:.2f}..{hi:.2f})"
          f"  target <= {TARGETS['list']:.2f}: {met(m <= TARGETS['list'])}"
          f"  [minima: {min_ratio(t, ['list'], ['ndrnv']):.2f}]")
    m, lo, hi, n = per_round_ratio(t, ["listn"], ["ndn"])
    res["listn"] = m
    print(f"list -N / ndctl list -N: {m:.2f} (rounds {lo:.2f}..{hi:.2f})  target < 1.00: {met(m < 1.0)}"
          f"  [minima: {min_ratio(t, ['listn'], ['ndn']):.2f}]")
    st = s["strace"]
    if all(x in st for x in ("check",) + THREE):
        three = sum(st[x][1] for x in THREE)
        r = st["check"][1] / three if three else 0
        res["sysfs"] = r
        calls = sum(st[x][0] for x in THREE)
        print(f"sysfs opens: check {st['check'][1]}, the three tools {three}: {r:.2f}x"
              f"  target <= {TARGETS['sysfs']:.2f}: {met(r <= TARGETS['sysfs'])}"
              f"  (system calls: check {st['check'][0]}, the three {calls}: {st['check'][0] / calls:.2f}x)")
    return res


def main():
    run = sys.argv[1] if len(sys.argv) > 1 else "tests/vm/.cache/run/bench-compare"
    boots = sorted(d for d in os.listdir(run) if d.startswith("boot"))
    if not boots:
        print(f"lab-report: no boot in {run}", file=sys.stderr)
        return 1
    summary, scale, rc = [], [], 0
    for b in boots:
        d = os.path.join(run, b)
        try:
            steps = read_boot(d)
        except OSError as e:
            # a boot that brought nothing back: the others' figures still stand
            print(f"\n== {b}: no results ({e})")
            rc = 1
            continue
        for step, s in steps.items():
            res = report_step(step, s)
            summary.append((step, s["blocks"], res))
            if step.startswith("scale"):
                scale.append((s["blocks"], {x: statistics.median(s["times"][x].values()) for x in s["times"]}))
    if scale:
        print("\n== time per memory block (scale steps: medians / blocks; marginal: the extra time per extra block)")
        print(f"{'blocks':>7} " + " ".join(f"{NAME[x] + ' us/blk':>22}" for x in ("check", "list", "lsmem"))
              + " " + " ".join(f"{'marginal ' + x:>16}" for x in ("check", "list", "lsmem")))
        prev = None
        for blocks, med in sorted(scale):
            line = f"{blocks:>7} " + " ".join(f"{med[x] / blocks:>22.1f}" for x in ("check", "list", "lsmem"))
            if prev:
                line += " " + " ".join(f"{(med[x] - prev[1][x]) / (blocks - prev[0]):>16.1f}"
                                       for x in ("check", "list", "lsmem"))
            print(line)
            prev = (blocks, med)
        (b0, m0), (b1, m1) = sorted(scale)[0], sorted(scale)[-1]
        for x in ("check", "list"):
            # flat: the last step's time per block no more than the first's (fixed costs only shrink it)
            r = (m1[x] / b1) / (m0[x] / b0)
            print(f"{NAME[x]}: time per block at {b1} blocks is {r:.2f}x that at {b0}"
                  f"  (flat, <= 1.10: {met(r <= 1.10)})")
    print("\n== summary (medians of per-round ratios)")
    print(f"{'layout':<8} {'blocks':>6} {'check/3 tools':>14} {'list/ndctl':>11} {'list -N/ndctl -N':>17} {'sysfs opens':>12}")
    for step, blocks, r in summary:
        print(f"{step:<8} {blocks:>6} {r.get('check', 0):>14.2f} {r.get('list', 0):>11.2f} "
              f"{r.get('listn', 0):>17.2f} {r.get('sysfs', 0):>12.2f}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
