"""The autoscaler on a tree of overlordd processes (stdlib only).

    autoscale_test.py OVERLORDD AJSIM TMP

main [all] -> alpha [web] -> bravo [web]; main is the autoscaler of project
`web` (autoScale.labels [web], replicas.min 2) with polling.autoscale 1 and
no skew. Checks: the minimum replicas are deployed on the matching nodes
only; GET /v1/project/autoscale/web shows COMPLETED with logs; a replica
destroyed out of band is replaced; a changed spec redeploys the replicas,
also when it was changed while the autoscaler was down (the checksum is
persisted); the cleanup metadata destroys every replica and then deletes
both metadata. Prints "ok: <what>" per check and "rc: 0" at the end.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from odtree import Tree  # noqa: E402

OVERLORDD, AJSIM, TMP = sys.argv[1:4]

SPEC = [("main", None, ["all"]),
        ("alpha", "main", ["web"]),
        ("bravo", "alpha", ["web"])]

DIRECTOR = "services:\n  web:\n    makejail: gh+AppJail-makejails/nginx\n"
KEY = "overlord.autoscale.web"
CLEANUP = "overlord.autoscale-cleanup.web"


def check(cond, what, detail=None):
    if not cond:
        print("FAIL: " + what)
        if detail is not None:
            print(json.dumps(detail, indent=1, sort_keys=True,
                             default=str)[:4000])
        sys.exit(1)
    print("ok: " + what)


class AutoscaleTree(Tree):
    def make(self, n, tokens):
        node = Tree.make(self, n, tokens)
        text = open(node.config).read().replace(
            "polling:\n", "polling:\n  autoscale: 1\n  skew: [0, 0]\n", 1)
        open(node.config, "w").write(text)
        return node


def registration(director, minimum=2):
    return json.dumps({"projectFile": director, "environment": {"A": "1"},
                       "autoScale": {"replicas": {"min": minimum},
                                     "labels": ["web"]},
                       "reserve_port": {}}, indent=4)


def wait(pred, what, timeout=20, detail=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            print("ok: " + what)
            return v
        time.sleep(0.1)
    check(False, what, detail() if detail else None)


def state(node):
    s, b = node.request("GET", "/v1/project/info/web")
    return b["info"].get("state") if s == 200 else None


def up_jobs(node):
    s, b = node.request("GET", "/v1/jobs?project=web&limit=1000")
    return [j for j in b["jobs"] if j["kind"] == "project.up"] if s == 200 \
        else []


def main():
    tree = AutoscaleTree(TMP, OVERLORDD, AJSIM, SPEC).start()
    try:
        run(tree)
    finally:
        tree.stop()
    print("rc: 0")


def run(tree):
    main_, alpha, bravo = tree["main"], tree["alpha"], tree["bravo"]
    t0 = time.time()
    s, b = main_.request("POST", "/v1/metadata/" + KEY,
                         {"value": registration(DIRECTOR)})
    check(s == 201, "registration metadata written on main", b)

    wait(lambda: state(alpha) == "DONE" and state(bravo) == "DONE",
         "min replicas deployed on alpha and bravo",
         detail=lambda: main_.request("GET", "/v1/project/autoscale/web"))
    check(main_.request("HEAD", "/v1/project/info/web")[0] == 404,
          "nothing deployed on main (labels do not match)")
    print("measured: first replicas DONE after %.1f s" % (time.time() - t0))

    def completed():
        s, b = main_.request("GET", "/v1/project/autoscale/web")
        if s == 200 and b["status"]["operation"] == "COMPLETED":
            return b
    b = wait(completed, "status endpoint answers COMPLETED")
    st = b["status"]
    ups = sorted(e["chain"] for e in st["logs"]
                 if isinstance(e, dict) and e.get("context") == "up")
    check(ups == ["alpha", "alpha.bravo"] and
          isinstance(st["last_update"], (int, float)) and
          0 <= st["last_update"] < 10,
          "status logs name the up of each replica, last_update is recent",
          st)
    s, b = main_.request("GET", "/v1/chain/alpha/project/autoscale/web")
    check(s == 404, "alpha is not an autoscaler of web", b)

    # Out of band: destroy bravo's replica directly on bravo.
    before = len(up_jobs(bravo))
    s, b = bravo.request("POST", "/v1/project/down/web", {})
    check(s == 200, "replica destroyed out of band on bravo", b)
    bravo.wait_job(b["job_id"])
    wait(lambda: len(up_jobs(bravo)) > before and state(bravo) == "DONE",
         "the destroyed replica is replaced",
         detail=lambda: main_.request("GET", "/v1/project/autoscale/web"))
    check(len(up_jobs(alpha)) == 1, "alpha's healthy replica left alone",
          up_jobs(alpha))

    # A changed spec redeploys every replica.
    changed = DIRECTOR + "# v2\n"
    s, b = main_.request("PUT", "/v1/metadata/" + KEY,
                         {"value": registration(changed)})
    check(s == 200, "registration changed", b)

    def redeployed(marker):
        return lambda: all(
            any(marker in j["payload"].get("director_file", "")
                for j in up_jobs(n)) for n in (alpha, bravo))
    wait(redeployed("# v2"), "a changed spec redeploys alpha and bravo",
         detail=lambda: main_.request("GET", "/v1/project/autoscale/web"))
    payload = up_jobs(alpha)[-1]["payload"]
    check(payload.get("environment") == {"A": "********"},
          "the registration's environment is sent (masked in job listings)",
          payload)

    # Changed while the autoscaler is down: still redeployed (persisted
    # checksum; the reference forgets it).
    time.sleep(1.5)  # let a cycle record the v2 checksum
    main_.stop()
    with open(os.path.join(main_.tmp, "metadata", KEY), "w") as f:
        f.write(registration(DIRECTOR + "# v3\n"))
    tree.restart("main")
    wait(redeployed("# v3"), "a change made while main was down redeploys",
         detail=lambda: main_.request("GET", "/v1/project/autoscale/web"))

    # Cleanup: every replica destroyed, then both metadata deleted.
    s, b = main_.request("POST", "/v1/metadata/" + CLEANUP,
                         {"value": json.dumps({"force": True})})
    check(s == 201, "cleanup requested", b)
    wait(lambda: main_.request("HEAD", "/v1/metadata/" + KEY)[0] == 404 and
         main_.request("HEAD", "/v1/metadata/" + CLEANUP)[0] == 404,
         "both metadata deleted after the cleanup",
         detail=lambda: main_.request("GET", "/v1/project/autoscale/web"))
    check(alpha.request("HEAD", "/v1/project/info/web")[0] == 404 and
          bravo.request("HEAD", "/v1/project/info/web")[0] == 404,
          "every replica destroyed")
    s, b = main_.request("GET", "/v1/project/autoscale/web")
    msgs = [e.get("response") for e in b["status"]["logs"]
            if isinstance(e, dict) and e.get("context") == "destroy"]
    downs = [e for e in b["status"]["logs"]
             if isinstance(e, dict) and e.get("context") == "down"]
    check(s == 200 and
          "There are no more nodes to destroy the project." in msgs and
          all(e.get("force") is True for e in downs) and len(downs) == 2,
          "status keeps the cleanup's logs (forced downs, final message)", b)
    print("measured: scenario took %.1f s" % (time.time() - t0))


main()
