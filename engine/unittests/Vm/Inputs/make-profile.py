#!/usr/bin/env python3
# make-profile.py - the VM profile `overlord apply` POSTs, from print-spec.
#
# Reads `overlordc print-spec` JSON of a vmJail deployment on stdin and
# prints the profile the reference client builds from the same spec
# (DtxdF/overlord src/overlord/commands/apply.py, vmJail branch;
# overlord-behaviour.md §1.3 step 6), with the two normalisations a plan
# makes (docs/VmEngine.md "From a plan"): partition sizes in canonical
# units and the components downloadURL substituted. Secret values must be
# visible (print-spec masks them; inputs here have none, or pass a
# replacement map as argv[1] JSON {"NAME": "value"}).
#
# Used by test/VmJail/vm-profile-inputs.test to check the expected profiles
# of engine/unittests/Vm/Inputs against the compiler.
import json
import re
import sys

UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30,
         "t": 1 << 40, "p": 1 << 50, "e": 1 << 60}


def gpart_size(text):
    m = re.fullmatch(r"([0-9]+)([bkmgtpeBKMGTPE]?)", text)
    if not m:
        return text
    n = int(m.group(1))
    unit = m.group(2).lower()
    # A bare number counts 512-byte sectors for gpart.
    nbytes = n * 512 if unit == "" else n * UNITS[unit]
    if nbytes % 1024 != 0 and nbytes % 512 == 0:
        return str(nbytes // 512)
    for suffix in "EPTGMK":
        u = UNITS[suffix.lower()]
        if nbytes % u == 0 and nbytes >= u:
            return "%d%s" % (nbytes // u, suffix)
    return "%dB" % nbytes


def main():
    spec = json.load(sys.stdin)
    secrets = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}

    def kv(items):
        out = []
        for item in items:
            ((k, v),) = item.items()
            out.append({k: secrets.get(k, v) if v == "********" else v})
        return out

    layout = spec["diskLayout"]
    frm = layout["from"]
    if frm["type"] == "components":
        frm["downloadURL"] = frm["downloadURL"].format(
            ARCH=frm["osArch"], VERSION=frm["osVersion"])
    for part in layout.get("disk", {}).get("partitions", []):
        for key in ("alignment", "start", "size"):
            if key in part:
                part[key] = gpart_size(part[key])
    profile = {
        "template": spec["template"],
        "cloud-init": spec["cloud-init"],
        "diskLayout": layout,
        "options": spec["options"],
        "script-environment": kv(spec["script-environment"]),
        "start-environment": kv(spec["start-environment"]),
        "start-arguments": kv(spec["start-arguments"]),
        "build-environment": kv(spec["build-environment"]),
        "build-arguments": kv(spec["build-arguments"]),
        "restart": False,
        "overwrite": spec["overwrite"],
        "poweroff": spec["poweroff"],
    }
    if spec.get("makejail") is None:
        profile["makejailFromMetadata"] = spec["makejailFromMetadata"]
    else:
        profile["makejail"] = spec["makejail"]
    if spec.get("script") is not None:
        profile["script"] = spec["script"]
    if spec.get("datastore") is not None:
        profile["datastore"] = spec["datastore"]
    if spec.get("metadata"):
        profile["metadata"] = spec["metadata"]
    json.dump(profile, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


main()
