#!/usr/bin/python3
# ===- gen_deployments.py - Deployment files for the check benchmark -------===#
#
# Usage: gen_deployments.py N OUTDIR [--seed S]
#
# Writes N deployment files dep-00000.yml ... into OUTDIR, mixed the way a
# real fleet's repository is: 50% directorProject (an embedded Director file
# of 1-4 services with options, labels, volumes, environment), 20% metadata
# (a Makejail and a few small files), 10% vmJail (template, disk layout,
# fstab, script), 10% readOnly, 10% appConfig. Files are 0.5-4 KB and every
# one passes `overlordc check`, so the benchmark times the path a correct
# repository takes. `!ENV` scalars carry defaults, so no .env file is needed.
# Also writes typical.yml (a 2-service directorProject of ~1.5 KB), the file
# timed per process. Deterministic: the same N and seed give the same bytes.
#
# ===------------------------------------------------------------------------===#
import argparse
import os
import random

LABELS = ["web", "db", "desktop", "edge", "cache", "storage", "build", "all"]
APPS = ["nginx", "caddy", "postgres", "redis", "gitea", "grafana", "minio",
        "coredns", "haproxy", "filebrowser", "homebox", "jellyfin", "tor"]
PKGS = ["nginx", "curl", "ca_root_nss", "py311-pip", "git-tiny", "postgresql16-server",
        "redis", "sudo", "bash", "tmux"]


def head(r, kind):
    dcs = ["main"] + (["backup"] if r.random() < 0.3 else [])
    out = ["kind: %s" % kind, "datacenters:"]
    for i, dc in enumerate(dcs):
        out.append("  %s:" % dc)
        if r.random() < 0.5:
            out.append("    entrypoint: !ENV '${ENTRYPOINT:http://10.0.%d.1:8888}'" % i)
            out.append("    access_token: !ENV '${TOKEN:%s}'" % token(r))
        else:
            out.append("    entrypoint: 'http://10.0.%d.1:8888'" % i)
            out.append("    access_token: '%s'" % token(r))
        if r.random() < 0.2:
            out.append("    read_timeout: %d" % r.choice([30, 60, 300]))
    out.append("deployIn:")
    if len(dcs) > 1 and r.random() < 0.5:
        out.append("  entrypoints:")
        out += ["    - %s" % dc for dc in dcs]
    out.append("  labels:")
    out += ["    - %s" % l for l in r.sample(LABELS, r.randint(1, 3))]
    if r.random() < 0.2:
        out.append("maximumDeployments: %d" % r.randint(1, 5))
    return out


def token(r):
    return "eyJhbGciOiJIUzI1NiJ9." + "".join(
        r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40))


def service(r, name, i):
    out = ["    %s:" % name,
           "      makejail: 'gh+AppJail-makejails/%s'" % r.choice(APPS)]
    if r.random() < 0.5:
        out.append("      priority: %d" % r.randint(1, 99))
    out.append("      options:")
    out.append("        - expose: '%d:%d ext_if:tailscale0 on_if:tailscale0'"
               % (8000 + i, r.choice([80, 443, 3000, 5432])))
    # Overlord's label families come whole: a trigger and what it requires.
    labels = []
    if r.random() < 0.5:
        labels += ["overlord.skydns:1", "overlord.skydns.group:%s" % name,
                   "overlord.skydns.interface:tailscale0"]
    if r.random() < 0.4:
        labels += ["overlord.load-balancer:1", "overlord.load-balancer.backend:web",
                   "overlord.load-balancer.interface:tailscale0",
                   "overlord.load-balancer.interface.port:%d" % (8000 + i)]
    if r.random() < 0.5:
        labels.append("appjail.dns.alt-name:%s" % name)
    for l in labels:
        out.append("        - label: '%s'" % l)
    if r.random() < 0.5:
        out.append("        - limits: 'memoryuse:deny=%dM'" % r.choice([256, 512, 1024]))
    if r.random() < 0.6:
        out.append("      arguments:")
        out.append("        - %s_tag: '14.2'" % name.replace("-", "_"))
    if r.random() < 0.6:
        out.append("      environment:")
        for k in r.sample(["TZ", "LOG_LEVEL", "WORKERS", "DATA_DIR"], r.randint(1, 3)):
            out.append("        - %s: '%s'" % (k, r.choice(["UTC", "info", "4", "/data"])))
    if r.random() < 0.5:
        out.append("      volumes:")
        out.append("        - %s-data: /var/db/%s" % (name, name))
    return out


def director_project(r, n):
    lines = head(r, "directorProject")
    lines.append("projectName: project-%05d" % n)
    lines.append("projectFile: |")
    body = ["options:", "  - virtualnet: ':<random> default'", "  - nat:", "services:"]
    names = r.sample(APPS, r.randint(1, 4))
    vols = []
    for i, name in enumerate(names):
        svc = service(r, name, i)
        body += [l[2:] for l in svc]
        if any(" volumes:" in l for l in svc):
            vols.append(name)
    if vols:
        body.append("volumes:")
        for v in vols:
            body += ["  %s-data:" % v, "    device: /var/appjail-volumes/%s/data" % v]
            if r.random() < 0.5:
                body += ["    owner: 1001", "    group: 1001"]
    lines += ["  " + l for l in body]
    if r.random() < 0.5:
        lines.append("environment:")
        lines += ["  GREETING: 'hello %d'" % n, "  MODE: production"]
    if r.random() < 0.3:
        lines.append("labelsEnvironment:")
        lines += ["  web:", "    TIER: front"]
    return lines


def metadata(r, n):
    lines = head(r, "metadata")
    if r.random() < 0.4:
        lines.append("metadataPrefix: app%d" % n)
    lines.append("metadata:")
    app = r.choice(APPS)
    lines.append("  %s.makejail: |" % app)
    mj = ["OPTION start", "OPTION overwrite=force", "",
          "INCLUDE gh+DtxdF/efficient-makejail", ""]
    mj += ["PKG %s" % p for p in r.sample(PKGS, r.randint(1, 4))]
    mj.append("")
    for i in range(r.randint(2, 40)):
        mj.append("CMD echo 'setting %d = %d' >> /usr/local/etc/%s.conf" % (i, r.randint(0, 999), app))
    mj += ["", "SYSRC %s_enable=YES" % app, "SERVICE %s start" % app]
    lines += [("    " + l if l else "") for l in mj]
    for k in r.sample(["resolv.conf", "timezone", "loader.conf", "sysctl.conf"], r.randint(0, 3)):
        lines.append("  %s: |" % k)
        for i in range(r.randint(1, 5)):
            lines.append("    line %d of %s" % (i, k))
    return lines


def vm_jail(r, n):
    lines = head(r, "vmJail")
    driver = r.choice(["nvme", "virtio-blk"])
    device = {"nvme": "/dev/nda0p3", "virtio-blk": "/dev/vtbd0p3"}[driver]
    lines += ["vmName: vm%05d" % n, "makejail: 'gh+DtxdF/vm-makejail'", "template:",
              "  loader: 'bhyveload'", "  cpu: '%d'" % r.choice([1, 2, 4]),
              "  memory: '%dG'" % r.choice([1, 2, 4, 8]),
              "  network0_type: 'virtio-net'", "  network0_switch: 'public'",
              "  wired_memory: 'YES'", "diskLayout:",
              "  driver: '%s'" % driver,
              "  size: '%dG'" % r.choice([10, 20, 40]), "  from:",
              "    type: 'components'", "    components:", "      - base.txz",
              "      - kernel.txz", "    osArch: amd64", "    osVersion: '14.2-RELEASE'",
              "  disk:", "    scheme: 'gpt'", "    partitions:",
              "      - type: 'freebsd-boot'", "        size: '512k'", "        alignment: '1m'",
              "      - type: 'freebsd-swap'", "        size: '2G'", "        alignment: '1m'",
              "      - type: 'freebsd-ufs'", "        alignment: '1m'", "        format:",
              "          flags: '-Uj'", "    bootcode:", "      bootcode: '/boot/pmbr'",
              "      partcode: '/boot/gptboot'", "      index: 1", "  fstab:",
              "    - device: '%s'" % device, "      mountpoint: '/'", "      type: 'ufs'",
              "      options: 'rw,sync'", "      dump: 1", "      pass: 1",
              "script-environment:", "  - HOSTNAME: 'vm%05d'" % n, "script: |",
              "  set -xe", "  . /metadata/environment"]
    for i in range(r.randint(2, 60)):
        lines.append("  sysrc -f /mnt/etc/rc.conf setting%d=\"%d\"" % (i, r.randint(0, 99)))
    lines += ["metadata:", "  - resolv.conf", "  - timezone"]
    return lines


def read_only(r, n):
    lines = head(r, "readOnly")
    return lines


def app_config(r, n):
    lines = head(r, "appConfig")
    lines += ["appName: app%05d" % n, "appFrom: template.%s" % r.choice(APPS), "appConfig:"]
    for i in range(r.randint(2, 15)):
        lines.append("  key%d: 'value %d'" % (i, r.randint(0, 9999)))
    return lines


KINDS = [(director_project, 50), (metadata, 20), (vm_jail, 10), (read_only, 10),
         (app_config, 10)]


def generate(r, n):
    gen = r.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    lines = gen(r, n)
    text = "\n".join(lines) + "\n"
    # Pad the small ones to the realistic minimum with a comment header.
    if len(text) < 512:
        pad = ["# Deployment %05d of the benchmark fleet." % n,
               "# Managed in git; applied with 'overlord apply -f'."]
        while len(text) + sum(len(p) + 1 for p in pad) < 512:
            pad.append("# owner: team-%d, ticket: OPS-%d" % (r.randint(1, 20), r.randint(1000, 9999)))
        text = "\n".join(pad) + "\n" + text
    return text


def typical():
    """A 2-service directorProject, the shape most deployments have."""
    r = random.Random(7)
    while True:
        text = "\n".join(director_project(r, 0)) + "\n"
        if text.count("makejail:") == 2 and 1200 <= len(text) <= 2000:
            return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    r = random.Random(a.seed)
    sizes = []
    for n in range(a.n):
        text = generate(r, n)
        sizes.append(len(text))
        with open(os.path.join(a.outdir, "dep-%05d.yml" % n), "w") as f:
            f.write(text)
    with open(os.path.join(a.outdir, "typical.yml"), "w") as f:
        f.write(typical())
    sizes.sort()
    print("%d files, %d bytes, size min %d median %d max %d" % (
        a.n, sum(sizes), sizes[0], sizes[len(sizes) // 2], sizes[-1]))


if __name__ == "__main__":
    main()
