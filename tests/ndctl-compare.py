#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare `ndctl list` output with `nsalign list --ndctl`, key by key.

    ndctl-compare.py [--ignore KEY]... [--subset] [--summary] NDCTL.json NSALIGN.json

Objects in arrays are matched by their identity ("dev", "chardev", "dimm"),
not by position.  Every key is named by its path with array indexes left
out ("regions[].namespaces[].size").  Prints one line per key path: equal,
differ (with both values), only-ndctl, only-nsalign; with --summary only the
lists.  --ignore KEY: a key that differs by nature (its last component).
--subset: keys only nsalign has are fine (nsalign list --json against ndctl).
Exit 0 when everything not ignored is equal and the top level has the same
shape, 1 otherwise.
"""
import json
import sys

IDS = ("dev", "chardev", "dimm")


def ident(o):
    if isinstance(o, dict):
        for k in IDS:
            if k in o:
                return "%s=%s" % (k, o[k])
    return None


def walk(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            p = path + "." + k if path else k
            if k not in b:
                out.append((p, "only-ndctl", a[k], None))
            elif k not in a:
                out.append((p, "only-nsalign", None, b[k]))
            else:
                walk(a[k], b[k], p, out)
    elif isinstance(a, list) and isinstance(b, list):
        p = path + "[]"
        if all(ident(x) for x in a + b):
            bi = {ident(x): x for x in b}
            ai = {ident(x): x for x in a}
            for x in a:
                if ident(x) in bi:
                    walk(x, bi[ident(x)], p, out)
                else:
                    out.append((p, "only-ndctl", ident(x), None))
            for x in b:
                if ident(x) not in ai:
                    out.append((p, "only-nsalign", None, ident(x)))
        elif len(a) == len(b):
            for x, y in zip(a, b):
                walk(x, y, p, out)
        else:
            out.append((p, "differ", a, b))
    elif type(a) is type(b) and a == b:
        out.append((path, "equal", a, b))
    else:
        out.append((path, "differ", a, b))


def main(argv):
    ignore, summary, subset, files = set(), False, False, []
    it = iter(argv)
    for x in it:
        if x == "--ignore":
            ignore.add(next(it))
        elif x == "--summary":
            summary = True
        elif x == "--subset":
            subset = True
        else:
            files.append(x)
    if len(files) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    texts = [open(f).read() for f in files]
    docs = [json.loads(t) if t.strip() else None for t in texts]
    out = []
    if type(docs[0]) is not type(docs[1]):
        print("top level: ndctl %s, nsalign %s" % (type(docs[0]).__name__, type(docs[1]).__name__))
        return 1
    walk(docs[0], docs[1], "", out)
    if subset:
        out = [r for r in out if r[1] != "only-nsalign"]
    bad = [r for r in out if r[1] != "equal" and r[0].split(".")[-1].rstrip("[]") not in ignore]
    kinds = {}
    for p, kind, _, _ in out:
        kinds.setdefault(p, set()).add(kind)
    if summary:
        for kind in ("equal", "differ", "only-ndctl", "only-nsalign"):
            keys = sorted(p for p, k in kinds.items() if kind in k)
            if keys:
                print("%s: %s" % (kind, " ".join(keys)))
    else:
        for p, kind, x, y in out:
            if kind != "equal":
                print("%s %s: ndctl %s, nsalign %s" % (kind, p, json.dumps(x), json.dumps(y)))
    if not subset:
        print("byte-identical: %s" % ("yes" if texts[0] == texts[1] else "no"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
