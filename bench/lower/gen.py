#!/usr/bin/env python3
"""Writes a 1,000-node cluster snapshot (one datacenter, 10 chains of 99
children each, plus the root... 1,000 nodes in all) and a metadata deployment
with 10 keys: planned on every node it gives 10,000 ops.
Usage: gen.py OUTDIR"""
import json, os, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
chains = []
for i in range(9):
    chains.append({"name": f"c{i}", "labels": ["all", "services"],
                   "chains": [{"name": f"n{j}", "labels": ["all", "web"]} for j in range(110)]})
chains.append({"name": "c9", "labels": ["all"], "chains": [{"name": f"n{j}"} for j in range(0)]})
snap = {"version": 1, "datacenters": [{"name": "main", "labels": ["all"], "chains": chains}]}
n = 1 + sum(1 + len(c["chains"]) for c in chains)
with open(os.path.join(out, "cluster.json"), "w") as f:
    json.dump(snap, f)
with open(os.path.join(out, "meta.yml"), "w") as f:
    f.write("kind: metadata\ndatacenters:\n  main:\n    entrypoint: 'http://127.0.0.1:8888'\n")
    f.write("deployIn:\n  labels: [all]\nmetadata:\n")
    for k in range(10):
        f.write(f"  key{k}: 'value {k}'\n")
print(f"{n} nodes")
