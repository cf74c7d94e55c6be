#!/usr/bin/env python3
"""e2e.py OVERLORDD AJSIM OVERLORDC EXAMPLES TMPDIR: overlordc against a real
overlordd (simulated AppJail/Director, test/Engine/Inputs/odnode.py). Runs
each overlordc command, printing `$ overlordc ARGS`, its stdout and stderr
(the node's port replaced by PORT, example paths by their basename) and
`rc=N`, for FileCheck."""
import os
import re
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "Engine", "Inputs"))
from odnode import Node  # noqa: E402

overlordd, ajsim, overlordc, examples, tmp, corpus = sys.argv[1:7]
LABELS = ("all", "desktop", "r2", "centralita", "services", "provider",
          "vm-only")


def run(n, *args, show=True):
    env = dict(os.environ, ENTRYPOINT="http://127.0.0.1:%d" % n.port,
               TOKEN=n.token())
    r = subprocess.run([overlordc, *args], env=env, capture_output=True,
                       text=True, timeout=120, cwd=tmp)
    out = (r.stdout + r.stderr).replace(":%d" % n.port, ":PORT")
    out = out.replace(examples + "/", "")
    if show:
        print("$ overlordc " + " ".join(a.replace(examples + "/", "")
                                          for a in args))
        sys.stdout.write(out)
        print("rc=%d" % r.returncode)
        sys.stdout.flush()
    return r.returncode, out


def example(name):
    path = os.path.join(examples, name)
    env = path[:-4] + ".env"
    return ["-f", path] + (["-e", env] if os.path.exists(env) else [])


with Node(os.path.join(tmp, "node"), overlordd, ajsim, workers=2,
          labels=LABELS) as n:
    n.install_makejail_fixtures(corpus)
    n.start()
    # Metadata first: projects read their Makejails and files from it.
    for f in ("coredns-metadata.yml", "haproxy-metadata.yml",
              "tor-metadata.yml"):
        run(n, "apply", *example(f), "--wait", "--timeout", "60")
    for f in ("tor.yml", "filebrowser.yml", "coredns.yml", "etcd.yml",
              "haproxy.yml", "hello-http-1.yml", "hello-http-2.yml",
              "hello-http-3.yml", "homebox.yml"):
        run(n, "apply", *example(f), "--wait", "--timeout", "60")
    for t in ("projects", "jails", "projects:logs", "jails:logs"):
        run(n, "get-info", *example("tor.yml"), "-t", t)
    run(n, "get-info", *example("tor-metadata.yml"), "-t", "metadata")
    run(n, "get-info", *example("tor-metadata.yml"), "-t", "namespaces")
    run(n, "get-info", *example("hello-http-3.yml"), "-t", "autoscale",
        "--filter-per-project")
    run(n, "get-info", *example("tor.yml"), "-t", "vm", "--filter", "tor")
    # One project log, named from projects:logs.
    _, logs = run(n, "get-info", *example("tor.yml"), "-t", "projects:logs",
                  show=False)
    m = re.search(r"- (\S+)/(\S+)/(\S+\.log)", logs)
    if m:
        # The log commands spell the env file --env-file (-e is --entity).
        args = ["--env-file" if a == "-e" else a for a in example("tor.yml")]
        run(n, "get-project-log", *args, "-d", m.group(1), "-s",
            m.group(2), "-l", m.group(3), "main")
    else:
        print("FAIL: no project log listed")
    run(n, "cancel", *example("tor.yml"))
    run(n, "destroy", *example("tor.yml"), "--wait", "--timeout", "60")
    run(n, "destroy", *example("tor-metadata.yml"))
    run(n, "get-info", *example("tor.yml"), "-t", "projects", "--filter",
        "tor")
    # A token the node does not accept.
    env = dict(os.environ, ENTRYPOINT="http://127.0.0.1:%d" % n.port,
               TOKEN="not-a-token")
    r = subprocess.run([overlordc, "apply", *example("tor.yml")], env=env,
                       capture_output=True, text=True, timeout=60)
    print("$ overlordc apply (bad token)")
    sys.stdout.write(r.stderr.replace(":%d" % n.port, ":PORT"))
    print("rc=%d" % r.returncode)
print("e2e: done")
