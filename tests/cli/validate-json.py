#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# validate.py DOCDIR SCHEMA FILE...: each FILE (one JSON document) against
# DOCDIR/SCHEMA, with every DOCDIR/*.schema.json known by its $id.  Prints
# the first errors of each file that does not follow it; exits 1 then.
# jsonschema 4.18 and later resolve the $refs through a referencing
# Registry; Debian 12's 4.10 through a RefResolver.
import glob, json, os, sys

import jsonschema

docdir, name, files = sys.argv[1], sys.argv[2], sys.argv[3:]
schemas = {}
for path in glob.glob(os.path.join(docdir, "*.schema.json")):
    with open(path) as f:
        s = json.load(f)
    jsonschema.Draft202012Validator.check_schema(s)
    schemas[s["$id"]] = s
try:
    from referencing import Registry, Resource
except ImportError:
    resolver = jsonschema.RefResolver(base_uri=name, referrer=schemas[name], store=schemas)
    validator = jsonschema.Draft202012Validator(schemas[name], resolver=resolver)
else:
    registry = Registry().with_resources(
        (i, Resource.from_contents(s)) for i, s in schemas.items())
    validator = jsonschema.Draft202012Validator(schemas[name], registry=registry)
bad = 0
for path in files:
    with open(path) as f:
        doc = json.load(f)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        bad += 1
        for e in errors[:3]:
            print("%s: %s: %s" % (os.path.basename(path),
                  "/".join(str(p) for p in e.absolute_path), e.message[:200]))
sys.exit(1 if bad else 0)
