#!/usr/bin/env python3
"""vm_e2e.py OVERLORDD AJSIM OVERLORDC EXAMPLES TMPDIR CORPUS: a vmJail
deployment end to end through overlordd (docs/VmEngine.md, "Through
overlordd"): `overlordc apply --wait` of examples/vm-metadata.yml and
examples/vm.yml against a real overlordd whose AppJail, Director, vm-bhyve
and disk tools are the simulator (test/Engine/Inputs/odnode.py). Checks the
job, GET /v1/vm/<name>, `get-info -t vm`, the simulator journal (the
vm.create steps in order), the files the node writes (Director file, vm-bhyve
template, metadata, cloud-init), --restart, a second apply, failures
(injected step failure, existing VM without overwrite) and destroy.

Prints `ok: ...` lines (and overlordc transcripts) for FileCheck; exits 1 at
the first failed check."""
import os
import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import io

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from odnode import Node, check  # noqa: E402

overlordd, ajsim, overlordc, examples, tmp, corpus = map(os.path.abspath, sys.argv[1:7])
for d in ("net", "components"):
    shutil.rmtree(os.path.join(tmp, d), ignore_errors=True)
LABELS = ("all", "provider", "vm-only")
VM = "vmtest"
VERSION = "14.2-RELEASE"
HOST = "download.freebsd.org"


# The VM keys of overlord.yml: the components cache, the VM tools as
# configured paths (the simulator's links), the VM step timeout. The text
# continues Node's `overlordd:` map.
VM_CONFIG = """  binaries:
    makefs: %(t)s/node/bin/makefs
    mdconfig: %(t)s/node/bin/mdconfig
    gpart: %(t)s/node/bin/gpart
    newfs: %(t)s/node/bin/newfs
    mount: %(t)s/node/bin/mount
    umount: %(t)s/node/bin/umount
    fetch: %(t)s/node/bin/fetch
    pkg: %(t)s/node/bin/pkg
    tar: tar
    cp: cp
  timeouts:
    vm-install: 60
components: %(t)s/components
"""

DATACENTERS = """datacenters:
  main:
    entrypoint: !ENV '${ENTRYPOINT}'
    access_token: !ENV '${TOKEN}'
"""

VMCLOUD = "kind: vmJail\n" + DATACENTERS + """deployIn:
  labels:
    - provider
vmName: vmcloud
makejailFromMetadata: vm-makejail
datastore: 'DATASTORE'
poweroff: true
options:
  - virtualnet: ':<random> default'
  - nat:
start-environment:
  - TZ: 'UTC'
build-arguments:
  - pf_stricter: '0'
template:
  loader: 'uefi'
  cpu: '2'
  memory: '1G'
  network0_type: 'virtio-net'
  network0_switch: 'public'
diskLayout:
  driver: 'virtio-blk'
  size: '5G'
  from:
    type: 'img'
    imgFile: '/vm/.img/debian.raw'
cloud-init:
  meta-data:
    instance-id: 'vmcloud'
    local-hostname: 'vmcloud'
  user-data:
    users:
      - name: 'admin'
        ssh_authorized_keys:
          - 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI admin@host'
        sudo: 'ALL=(ALL) NOPASSWD:ALL'
    packages: ['curl', 'tmux']
    runcmd:
      - 'echo "yes: no" > /tmp/x'
  network-config:
    version: 2
    ethernets:
      id0:
        match:
          name: 'vtnet*'
        dhcp4: true
"""


def run(n, *args, show=True, env_extra=None):
    env = dict(os.environ, ENTRYPOINT="http://127.0.0.1:%d" % n.port,
               TOKEN=n.token())
    env.update(env_extra or {})
    r = subprocess.run([overlordc, *args], env=env, capture_output=True,
                       text=True, timeout=120, cwd=tmp)
    out = (r.stdout + r.stderr).replace(":%d" % n.port, ":PORT")
    out = out.replace(examples + "/", "").replace(tmp + "/", "")
    if show:
        print("$ overlordc " + " ".join(
            a.replace(examples + "/", "").replace(tmp + "/", "")
            for a in args))
        sys.stdout.write(out)
        print("rc=%d" % r.returncode)
        sys.stdout.flush()
    return r.returncode, out


def show(title, text):
    """Prints a file's text under a title, the temporary directory as TMP."""
    print(title + ":")
    sys.stdout.write(text.replace(tmp + "/", "TMP/"))
    print("<end of %s>" % title)


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def env_file(path, **over):
    """The example's variables (examples/.profile-vmtest.env) without the
    entry point and token, which come from the environment."""
    keep = []
    for line in read(os.path.join(examples, ".profile-vmtest.env")).splitlines():
        k = line.split("=", 1)[0]
        if k in ("ENTRYPOINT", "TOKEN") or k in over:
            continue
        keep.append(line)
    keep += ["%s=%s" % kv for kv in over.items()]
    write(path, "\n".join(keep) + "\n")
    return path


def txz(files):
    """An xz tarball holding files {path: text} (FreeBSD's components are
    tar.xz of ./-prefixed paths)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz") as t:
        dirs = set()
        for p in files:
            d = os.path.dirname(p)
            while d and d not in dirs:
                dirs.add(d)
                d = os.path.dirname(d)
        for d in sorted(dirs):
            i = tarfile.TarInfo("./" + d)
            i.type = tarfile.DIRTYPE
            i.mode = 0o755
            t.addfile(i)
        for p, text in files.items():
            data = text.encode()
            i = tarfile.TarInfo("./" + p)
            i.size = len(data)
            i.mode = 0o644
            t.addfile(i, io.BytesIO(data))
    return buf.getvalue()


def publish_components(fetch_root):
    """download.freebsd.org/releases/amd64/14.2-RELEASE as the simulated
    network: base.txz, kernel.txz and a MANIFEST in FreeBSD's format."""
    d = os.path.join(fetch_root, HOST, "releases", "amd64", VERSION)
    os.makedirs(d)
    comps = {
        "base.txz": txz({"etc/fstab": "# Device\tMountpoint\tFStype\t"
                         "Options\tDump\tPass#\n",
                         "etc/rc.conf": "", "COPYRIGHT": "base\n"}),
        "kernel.txz": txz({"boot/kernel/kernel": "kernel\n"}),
        # A longer name containing "base.txz": the MANIFEST lookup must not
        # take it for base.txz (the reference's grep -F did).
        "base-dbg.txz": txz({"usr/lib/debug/README": "dbg\n"}),
    }
    manifest = ""
    for name in ("base-dbg.txz", "base.txz", "kernel.txz"):
        data = comps[name]
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        manifest += "%s\t%s\t1\t%s\t\"%s\"\ton\n" % (
            name, hashlib.sha256(data).hexdigest(), name[:-4], name)
    write(os.path.join(d, "MANIFEST"), manifest)
    return d


def journal_steps(n, since):
    """The journal entries after seq `since`, as (tool, argv) of the
    engine's own calls (parent_seq null), in order."""
    out = []
    for e in n.journal():
        if e["seq"] <= since or e.get("parent_seq") is not None:
            continue
        out.append((e["tool"], e["argv"], e["rc"]))
    return out


def last_seq(n):
    j = n.journal()
    return j[-1]["seq"] if j else 0


def in_order(seq, wanted):
    """True when every (tool, argv-prefix) of wanted occurs in seq in this
    order."""
    i = 0
    for tool, argv, _ in seq:
        if i < len(wanted) and tool == wanted[i][0] and \
                argv[:len(wanted[i][1])] == wanted[i][1]:
            i += 1
    return i == len(wanted), (wanted[i] if i < len(wanted) else None)


def vm_status(n, name):
    s, b = n.request("GET", "/v1/vm/" + name)
    return s, (b or {}).get("status")


# Background polling off (an hour): the journal holds the jobs' calls and
# the refresh each job ends with, nothing interleaved.
with Node(os.path.join(tmp, "node"), overlordd, ajsim, workers=2, polling=3600,
          labels=LABELS,
          extra_config=VM_CONFIG % {"t": tmp}) as n:
    n.install_makejail_fixtures(corpus)
    fetch_root = os.path.join(tmp, "net")
    publish_components(fetch_root)
    write(os.path.join(n.sim, "sim", "config"), "fetch_root=%s\n" % fetch_root)
    cfg = n.cmd("--check-config", check=False)
    check(cfg.returncode == 0 and cfg.stderr == "",
          "overlordd --check-config accepts the VM keys: " +
          (cfg.stdout + cfg.stderr).strip().replace(tmp + "/", ""))
    n.start()
    jails = os.path.join(n.sim, "appjail", "jails")
    envf = env_file(os.path.join(tmp, "vm.env"))

    # -- 1. metadata, then the VM --------------------------------------------
    run(n, "apply", "-f", os.path.join(examples, "vm-metadata.yml"),
        "-e", envf, "--wait", "--timeout", "60")
    seq0 = last_seq(n)
    rc, out = run(n, "apply", "-f", os.path.join(examples, "vm.yml"),
                  "-e", envf, "--wait", "--timeout", "120")
    m = re.search(r"vm\.create %s: job (\d+)" % VM, out)
    check(m is not None, "apply printed the vm.create job id")
    job = int(m.group(1))
    s, b = n.request("GET", "/v1/jobs/%d" % job)
    check(s == 200 and b["job"]["status"] == "completed",
          "job %d is completed" % job)

    s, st = vm_status(n, VM)
    check(s == 200 and st is not None, "GET /v1/vm/%s answers 200" % VM)
    check(st["operation"] == "COMPLETED", "vm status operation COMPLETED")
    check(st["job_id"] == job, "vm status job_id is the apply's job")
    check(isinstance(st["last_update"], (int, float)) and
          0 <= st["last_update"] < 120,
          "vm status last_update is seconds ago")
    check(st["output"]["rc"] == 0, "vm status output rc 0")
    text = st["output"]["stdout"]
    for step in ("director-up", "template",
                 "vm-create", "mdconfig", "gpart-create", "gpart-add",
                 "newfs", "bootcode", "partcode", "mount", "fetch",
                 "checksum", "extract", "fstab", "script", "umount",
                 "mdconfig-detach", "vm-list", "vm-start", "done"):
        check(("==> %s:" % step) in text,
              "vm output names step %s" % step)

    # The journal: the engine's own calls in the order of the flow.
    steps = journal_steps(n, seq0)
    ok, miss = in_order(steps, [
        ("appjail-director", ["check", "-p", VM]),
        ("appjail", ["status", "-q", VM]),
        ("appjail-director", ["up", "-j", "-f"]),
        ("appjail-director", ["describe", "-p", VM]),
        ("appjail", ["cmd", "jexec", VM, "vm", "create", "-t", "overlord",
                     VM]),
        ("appjail", ["cmd", "local", VM, "realpath", "."]),
        ("mdconfig", ["-at", "vnode", "-f"]),
        ("gpart", ["create", "-s", "gpt", "/dev/md0"]),
        ("gpart", ["add", "-t", "freebsd-boot", "-a", "1M", "-s", "512K",
                   "-i", "1", "/dev/md0"]),
        ("gpart", ["add", "-t", "freebsd-swap", "-a", "1M", "-s", "1G",
                   "-i", "2", "/dev/md0"]),
        ("gpart", ["add", "-t", "freebsd-ufs", "-a", "1M", "-i", "3",
                   "/dev/md0"]),
        ("newfs", ["-Uj", "/dev/md0p3"]),
        ("gpart", ["bootcode", "-b", "/boot/pmbr", "/dev/md0"]),
        ("gpart", ["bootcode", "-p", "/boot/gptboot", "-i", "1",
                   "/dev/md0"]),
        ("mount", ["/dev/md0p3"]),
        ("fetch", ["-Rpm", "-o"]),
        ("fetch", ["-Rpm", "-o"]),
        ("fetch", ["-Rpm", "-o"]),
        ("appjail", ["cmd", "jexec", VM, "/run.sh"]),
        ("umount", ["--"]),
        ("mdconfig", ["-du", "md0"]),
        ("appjail", ["sysrc", "jail", VM, "vm_list+=" + VM]),
        ("appjail", ["cmd", "jexec", VM, "vm", "start", VM]),
    ])
    check(ok, "journal: the vm.create steps in order%s" %
          ("" if ok else " (missing %r)" % (miss,)))
    print("engine-journal:")
    for tool, argv, rc in steps:
        a = [x.replace(tmp + "/", "") for x in argv]
        if tool == "appjail-director" and a[:3] == ["up", "-j", "-f"]:
            a[3] = "TMPFILE"
        print("  %s %s -> %d" % (tool, " ".join(a), rc))

    # Director's project: the VM jail made from the Makejail.
    proj = os.path.join(n.sim, "director", "projects", VM)
    director_file = read(os.path.join(proj, "appjail-director.yml"))
    jail = os.path.join(jails, VM, "jail")
    done = read(os.path.join(jail, "vm", ".done"))
    check(done == director_file,
          "vm/.done holds the Director file Director was given")
    show("director-file", director_file)
    show("template", read(os.path.join(jail, "vm", VM, VM + ".conf")))
    check(read(os.path.join(jail, "vm", ".templates", "overlord.conf")) ==
          read(os.path.join(jail, "vm", VM, VM + ".conf")),
          "the template is copied over the VM's conf")
    # Metadata copied from vm-metadata.yml, byte for byte.
    mdir = os.path.join(jail, "metadata")
    for key in ("resolv.conf", "loader.conf", "timezone", "sshd_config",
                "ssh_key", "sysctl.conf", "pkg.conf", "ts_auth_key"):
        check(os.path.exists(os.path.join(mdir, key)) and
              read(os.path.join(mdir, key)) ==
              read(os.path.join(n.tmp, "metadata", key)),
              "metadata/%s copied byte for byte" % key)
    check(read(os.path.join(mdir, "environment")) ==
          "export HOSTNAME=vmtest\n\n", "metadata/environment")
    runsh = os.path.join(jail, "run.sh")
    check(os.stat(runsh).st_mode & 0o777 == 0o555 and
          read(runsh).startswith("set -xe\n"), "run.sh 0555 with the script")
    fstab = os.path.join(n.sim, "appjail", "jails", VM, "jail", "mnt", "etc",
                         "fstab")
    show("fstab", read(fstab))


    # -- get-info -t vm --------------------------------------------------------
    run(n, "get-info", "-f", os.path.join(examples, "vm.yml"), "-e", envf,
        "-t", "vm", "--filter", VM)

    # -- 2. a second apply, --restart ------------------------------------------
    seq = last_seq(n)
    rc, out = run(n, "apply", "-f", os.path.join(examples, "vm.yml"),
                  "-e", envf, "--wait", "--timeout", "60")
    steps = journal_steps(n, seq)
    check(not any(t == "appjail-director" and a[:1] in (["up"], ["down"])
                  for t, a, _ in steps) and
          not any(t in ("mdconfig", "gpart") for t, a, _ in steps),
          "a second apply of an installed VM runs neither Director nor the "
          "install")
    s, st = vm_status(n, VM)
    check(st["operation"] == "NOOP", "vm status NOOP after the second apply")

    seq = last_seq(n)
    rc, out = run(n, "apply", "-f", os.path.join(examples, "vm.yml"),
                  "-e", envf, "--restart", "--wait", "--timeout", "60")
    check(rc == 0, "apply --restart succeeds")
    steps = journal_steps(n, seq)
    ok, miss = in_order(steps, [
        ("appjail-director", ["check", "-p", VM]),
        ("appjail", ["status", "-q", VM]),
        ("appjail-director", ["check", "-p", VM]),
        ("appjail-director", ["down", "-j", "-p", VM]),
        ("appjail-director", ["up", "-j", "-f"]),
        ("appjail-director", ["describe", "-p", VM])])
    check(ok, "restart: down then up%s" % ("" if ok else " (missing %r)"
                                             % (miss,)))
    check(not any(t == "appjail" and a[3:5] == ["vm", "poweroff"]
                  for t, a, _ in steps), "restart without poweroff: no "
          "vm poweroff")
    check(not any(t == "appjail" and a[3:5] == ["vm", "create"]
                  for t, a, _ in steps) and
          not any(t == "mdconfig" for t, a, _ in steps),
          "restart: the VM is neither created nor installed again")
    check(read(os.path.join(proj, "appjail-director.yml")) == done,
          "restart: Director got the cached Director file (vm/.done)")
    s, st = vm_status(n, VM)
    m = re.search(r"vm\.create %s: job (\d+)" % VM, out)
    s, b = n.request("GET", "/v1/jobs/%s" % m.group(1))
    check(st["operation"] == "COMPLETED" and st["job_id"] == int(m.group(1))
          and b["job"]["restart"] is True and
          "==> director-down:" in st["output"]["stdout"] and
          "==> vm-create:" not in st["output"]["stdout"],
          "vm status COMPLETED by the restart job")

    # -- makejailFromMetadata, cloud-init, options, img, poweroff ---------------
    mk = ("ARG pf_stricter=1\nOPTION start\nOPTION overwrite=force\n"
          "OPTION virtualnet=:<random> default\nOPTION nat\n"
          "PKG vm-bhyve-devel\nSYSRC vm_enable=YES\nSYSRC vm_dir=/vm\n")
    meta = os.path.join(tmp, "vmcloud-metadata.yml")
    write(meta, "kind: metadata\n" + DATACENTERS +
          "deployIn:\n  labels:\n    - provider\nmetadata:\n"
          "  vm-makejail: |\n" +
          "".join("    " + l + "\n" for l in mk.splitlines()))
    cloud = os.path.join(tmp, "vmcloud.yml")
    write(cloud, VMCLOUD.replace("DATASTORE", os.path.join(tmp, "datastore")))
    run(n, "apply", "-f", meta, "--wait", "--timeout", "60")
    seq = last_seq(n)
    rc, out = run(n, "apply", "-f", cloud, "--wait", "--timeout", "60")
    check(rc == 0, "vmcloud applied")
    cj = os.path.join(jails, "vmcloud", "jail")
    cproj = os.path.join(n.sim, "director", "projects", "vmcloud")
    check(os.path.isdir(os.path.join(tmp, "datastore", ".img")) and
          os.path.isdir(os.path.join(tmp, "datastore", ".iso")),
          "datastore created with .img and .iso")
    show("vmcloud-director-file",
         read(os.path.join(cproj, "appjail-director.yml")))
    check(read(os.path.join(cj, "vm", ".done")) ==
          read(os.path.join(cproj, "appjail-director.yml")),
          "vmcloud: vm/.done holds the Director file")
    for f in ("meta-data", "user-data", "network-config"):
        show("vmcloud-" + f, read(os.path.join(cj, "cloud-init", f)))
    show("vmcloud-template",
         read(os.path.join(cj, "vm", "vmcloud", "vmcloud.conf")))
    check(os.path.exists(os.path.join(cj, "vm", "vmcloud", "seed.iso")) and
          not os.path.exists(os.path.join(cj, "seed.iso")),
          "seed.iso moved next to the VM's conf")
    steps = journal_steps(n, seq)
    ok, miss = in_order(steps, [
        ("appjail-director", ["up", "-j", "-f"]),
        ("makefs", ["-t", "cd9660", "-o", "R,L=cidata", "--",
                    os.path.join(cj, "seed.iso"),
                    os.path.join(cj, "cloud-init")]),
        ("appjail", ["cmd", "jexec", "vmcloud", "vm", "create", "-t",
                     "overlord", "-i", "/vm/.img/debian.raw", "vmcloud"]),
        ("appjail", ["sysrc", "jail", "vmcloud", "vm_list+=vmcloud"]),
        ("appjail", ["cmd", "jexec", "vmcloud", "vm", "start", "vmcloud"])])
    check(ok, "vmcloud: up, makefs, vm create -i, start%s" %
          ("" if ok else " (missing %r)" % (miss,)))
    check(not any(t == "mdconfig" for t, a, _ in steps),
          "vmcloud (img): no disk install")
    seq = last_seq(n)
    rc, out = run(n, "apply", "-f", cloud, "--restart", "--wait",
                  "--timeout", "60")
    steps = journal_steps(n, seq)
    ok, miss = in_order(steps, [
        ("appjail", ["label", "get", "-I", "-l", "overlord.vm", "--",
                     "vmcloud", "value"]),
        ("appjail", ["cmd", "jexec", "vmcloud", "vm", "poweroff", "-f",
                     "vmcloud"]),
        ("appjail-director", ["down", "-j", "-p", "vmcloud"]),
        ("appjail-director", ["up", "-j", "-f"])])
    check(rc == 0 and ok, "vmcloud --restart with poweroff: label, "
          "poweroff, down, up%s" % ("" if ok else " (missing %r)" % (miss,)))

    # -- 3. failures -------------------------------------------------------------
    fenv = env_file(os.path.join(tmp, "vmfail.env"), VM="vmfail",
                    HOSTNAME="vmfail")
    n.sim_cmd("fault", "add", "appjail", "cmd jexec vmfail /run.sh",
              "times=1", "rc=3", "stderr=run.sh: sysrc: not found")
    seq = last_seq(n)
    rc, out = run(n, "apply", "-f", os.path.join(examples, "vm.yml"),
                  "-e", fenv, "--wait", "--timeout", "60")
    check(rc == 1, "a failing script fails the apply")
    s, st = vm_status(n, "vmfail")
    check(st["operation"] == "FAILED", "vmfail status FAILED")
    print("vmfail-message: " + st.get("message", "").replace(tmp + "/", ""))
    steps = journal_steps(n, seq)
    ok, miss = in_order(steps, [
        ("appjail", ["cmd", "jexec", "vmfail", "/run.sh"]),
        ("umount", ["--"]), ("mdconfig", ["-du"])])
    check(ok, "the disk is released after the failure")
    check(read(os.path.join(n.sim, "sim", "mounts")).strip() == ""
          if os.path.exists(os.path.join(n.sim, "sim", "mounts")) else True,
          "nothing stays mounted")
    mds = [f for f in os.listdir(os.path.join(n.sim, "sim", "md"))
           if re.fullmatch(r"md\d+", f)]
    check(mds == [], "no md unit stays attached")
    fj = os.path.join(jails, "vmfail", "jail")
    check(not os.path.exists(os.path.join(fj, "vm", ".done")),
          "no done marker after the failure")
    # The jail and its VM exist, not installed, no overwrite: vm create
    # meets the existing VM.
    rc, out = run(n, "apply", "-f", os.path.join(examples, "vm.yml"),
                  "-e", fenv, "--wait", "--timeout", "60")
    s, st = vm_status(n, "vmfail")
    check(rc == 1 and st["operation"] == "FAILED",
          "an existing VM without overwrite fails")
    print("vmfail-again-message: " + st.get("message", ""))
    over = os.path.join(tmp, "vm-overwrite.yml")
    write(over, read(os.path.join(examples, "vm.yml")) + "overwrite: true\n")
    seq = last_seq(n)
    rc, out = run(n, "apply", "-f", over, "-e", fenv, "--wait",
                  "--timeout", "60")
    steps = journal_steps(n, seq)
    check(rc == 0 and any(t == "appjail-director" and "--overwrite" in a
                          for t, a, _ in steps),
          "overwrite: up --overwrite recreates the jail and the VM is "
          "installed")
    check(os.path.exists(os.path.join(fj, "vm", ".done")),
          "vmfail is done after the overwrite")

    # -- 4. destroy -------------------------------------------------------------
    seq = last_seq(n)
    rc, out = run(n, "destroy", "-f", os.path.join(examples, "vm.yml"),
                  "-e", envf, "--wait", "--timeout", "60")
    steps = journal_steps(n, seq)
    ok, miss = in_order(steps, [
        ("appjail", ["cmd", "jexec", VM, "vm", "poweroff", "-f", VM]),
        ("appjail-director", ["down", "-j", "-d", "--ignore-failed", "-p",
                              VM])])
    check(rc == 0 and ok, "destroy: vm poweroff then down -d")
    check(not os.path.exists(proj) and not os.path.exists(
        os.path.join(jails, VM)), "destroy: the project and jail are gone")
    check(not os.path.exists(os.path.join(n.sim, "sim", "vm", VM)),
          "destroy: the guest is gone")

print("vm-e2e: done")
