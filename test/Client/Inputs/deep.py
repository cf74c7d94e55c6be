#!/usr/bin/env python3
"""deep.py OUT: writes a fake_node.py tree 34 chains deep (n0 ... n33)
below the root, plus 'self', a chain that leads back to the root (a cycle)."""
import json, sys

def chain(i, depth):
    node = {"labels": ["all"]}
    if i < depth:
        node["chains"] = {"n%d" % (i + 1): chain(i + 1, depth)}
    return node

tree = {"labels": ["all", "desktop"],
        "chains": {"n0": chain(0, 33), "self": {"alias": ""}}}
with open(sys.argv[1], "w") as f:
    json.dump(tree, f)
