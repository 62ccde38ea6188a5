#!/usr/bin/env python3
"""The seed article's approach, as a baseline: for each data file of the manifest, gzip.open + csv.reader.

Usage: seed.py <manifest.json> untyped|typed
  untyped: rows as csv.reader gives them (lists of strings)
  typed:   the same conversions the library makes (decoded key, int size, datetime, booleans, None for "")
Prints {"rows": n, "bytes": total size} as JSON.
"""
import csv
import gzip
import json
import os
import sys
from datetime import datetime
from urllib.parse import unquote_plus

manifest_path, mode = sys.argv[1], sys.argv[2]
with open(manifest_path) as fh:
    manifest = json.load(fh)
names = [s.strip() for s in manifest["fileSchema"].split(",")]
base = os.path.dirname(manifest_path)
i_size = names.index("Size")
booleans = [i for i, n in enumerate(names) if n in ("IsLatest", "IsDeleteMarker", "IsMultipartUploaded")]
dates = [i for i, n in enumerate(names) if n in ("LastModifiedDate", "ObjectLockRetainUntilDate", "LifecycleExpirationDate")]
i_key = names.index("Key")

rows = 0
total = 0
for f in manifest["files"]:
    with gzip.open(os.path.join(base, f["key"]), "rt", encoding="utf-8", newline="") as fh:
        if mode == "untyped":
            for row in csv.reader(fh):
                rows += 1
                if row[i_size]:
                    total += int(row[i_size])
        else:
            for row in csv.reader(fh):
                rec = {}
                for i, name in enumerate(names):
                    v = row[i]
                    if v == "":
                        v = None
                    elif i == i_key:
                        v = unquote_plus(v)
                    elif i == i_size:
                        v = int(v)
                    elif i in dates:
                        v = datetime.fromisoformat(v.replace("Z", "+00:00"))
                    elif i in booleans:
                        v = v == "true"
                    rec[name] = v
                rows += 1
                if rec["Size"]:
                    total += rec["Size"]
print(json.dumps({"rows": rows, "bytes": total}))
