#!/usr/bin/env python3
"""Writes the lowering benchmark's inputs into OUTDIR:

- cluster.json: one datacenter of 1,000 nodes, depth <= 4 (the root, 10
  zones, 10 racks per zone, 9 hosts per rack: 1 + 10 + 100 + 889 = 1,000).
  Every node reports `all`; zones add `zone<z>`, racks `rack<z>r<r>`, hosts
  `rack<z>r<r>` and `rack<z>r<r>-<role>` (role: web, db, cache, worker).
- deploy/p<i>.yml, i < N (default 10,000): a directorProject per file with a
  1-2 service Director file (options, volumes, an skydns label on half of
  them), deployIn labels [rack<z>r<r>-<role>] (the hosts of one role in one
  rack: 2-3 nodes) or, for every fifth file, [rack<z>r<r>] (10 nodes), and a
  project name unique to the file.
- files.txt: the deployment file paths, one a line.

Usage: gen.py OUTDIR [N]"""
import json, os, sys

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
roles = ["web", "db", "cache", "worker"]
os.makedirs(os.path.join(out, "deploy"), exist_ok=True)

zones = []
for z in range(10):
    racks = []
    for r in range(10):
        rack = f"rack{z}r{r}"
        racks.append({"name": f"r{r}", "labels": ["all", rack],
                      "chains": [{"name": f"h{h}",
                                  "labels": ["all", rack,
                                             f"{rack}-{roles[h % 4]}"]}
                                 for h in range(9)]})
    zones.append({"name": f"z{z}", "labels": ["all", f"zone{z}"],
                  "chains": racks})
# Drop the last host of the first racks so the tree has exactly 1,000 nodes
# (every rack keeps hosts of every role).
total = 1 + sum(1 + sum(1 + len(r["chains"]) for r in z["chains"])
                for z in zones)
for r in (r for z in zones for r in z["chains"]):
    if total == 1000:
        break
    r["chains"].pop()
    total -= 1
snap = {"version": 1,
        "datacenters": [{"name": "main", "labels": ["all"], "chains": zones}]}
with open(os.path.join(out, "cluster.json"), "w") as f:
    json.dump(snap, f)

paths = []
for i in range(count):
    z, r, role = i % 10, (i // 10) % 10, roles[(i // 100) % 4]
    # Most files go to one role of one rack (about 2 hosts), every fifth to
    # the whole rack (the rack node and its hosts).
    label = f"rack{z}r{r}" if i % 5 == 0 else f"rack{z}r{r}-{role}"
    services = 1 + i % 2
    lines = [
        "kind: directorProject",
        "datacenters:",
        "  main:",
        "    entrypoint: 'http://127.0.0.1:8888'",
        "    access_token: !ENV '${TOKEN}'",
        "deployIn:",
        "  labels:",
        f"    - {label}",
        f"projectName: app{i}",
        "environment:",
        f"  APP_ID: '{i}'",
        "projectFile: |",
        "  options:",
        "    - virtualnet: ':<random> default'",
        "    - nat:",
        "  services:",
    ]
    for s in range(services):
        lines += [
            f"    svc{s}:",
            f"      makejail: 'gh+example/app{i % 50}-makejail'",
            "      options:",
            f"        - expose: '{8000 + s}:80 ext_if:jext on_if:jext'",
        ]
        if i % 2 == 0:
            lines += [
                "        - label: 'overlord.skydns:1'",
                f"        - label: 'overlord.skydns.group:app{i}'",
                "        - label: 'overlord.skydns.interface:jext'",
            ]
        lines += [
            "      volumes:",
            f"        - data{s}: /var/db/app",
            "      arguments:",
            f"        - tag: '{i % 7}.{s}'",
        ]
    lines += ["  volumes:"]
    for s in range(services):
        lines += [f"    data{s}:", f"      device: /var/appjail-volumes/app{i}/{s}"]
    path = os.path.join(out, "deploy", f"p{i}.yml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    paths.append(path)
with open(os.path.join(out, "files.txt"), "w") as f:
    f.write("\n".join(paths) + "\n")
with open(os.path.join(out, ".env"), "w") as f:
    f.write("TOKEN=bench-token-not-a-secret\n")
print(f"{total} nodes, {count} deployment files")
