"""Authentication failures, expired tokens, path traversal attempts,
malformed and oversized bodies, and the reference's argument coercions.
Prints `<what> -> <status> <body>` lines for FileCheck.

usage: bad_requests.py OVERLORDD AJSIM TMPDIR
"""
import json
import os
import socket
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from odnode import Node, check  # noqa: E402


def main():
    overlordd, ajsim, tmp = sys.argv[1:4]
    with Node(tmp, overlordd, ajsim) as n:
        n.start()
        good = n.token()

        def show(what, method, path, body=None, headers=None):
            status, _, raw = n.raw(method, path, body, headers or {})
            print("%s -> %d %s" % (what, status, raw.decode(errors="replace")))
            return status, raw

        auth = {"Authentication": "Bearer " + good}
        # -- authentication ---------------------------------------------
        show("no header", "GET", "/v1/jails")
        show("Authorization instead", "GET", "/v1/jails",
             headers={"Authorization": "Bearer " + good})
        show("one part", "GET", "/v1/jails",
             headers={"Authentication": "Bearer"})
        show("three parts", "GET", "/v1/jails",
             headers={"Authentication": "Bearer " + good + " extra"})
        show("scheme", "GET", "/v1/jails",
             headers={"Authentication": "Basic " + good})
        show("garbage token", "GET", "/v1/jails",
             headers={"Authentication": "Bearer abc.def.ghi"})
        tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
        show("bad signature", "GET", "/v1/jails",
             headers={"Authentication": "Bearer " + tampered})
        expired = n.token("--expire", "4", "--expire-type", "seconds")
        show("fresh 4s token", "GET", "/v1/ping",
             headers={"Authentication": "Bearer " + expired})
        time.sleep(4.05)
        show("expired token", "GET", "/v1/ping",
             headers={"Authentication": "Bearer " + expired})
        long_lived = n.token("--expire", "2", "--expire-type", "days",
                             "--metadata", "user=alice")
        show("2-day token", "GET", "/v1/ping",
             headers={"Authentication": "Bearer " + long_lived})
        # -- bodies: decoded before authentication ------------------------
        show("invalid json, no token", "POST", "/v1/project/up/x", b"{not json")
        show("non-object, no token", "POST", "/v1/project/up/x", b"[1, 2]")
        show("whitespace body", "POST", "/v1/project/up/x", b"   ", auth)
        show("missing director_file", "POST", "/v1/project/up/x", b"{}", auth)
        show("bad environment type", "POST", "/v1/project/up/x",
             b'{"director_file": "a", "environment": 5}', auth)
        show("environment string", "POST", "/v1/project/up/x",
             b'{"director_file": "a", "environment": "abc"}', auth)
        show("environment value", "POST", "/v1/project/up/x",
             b'{"director_file": "a", "environment": {"A": 1}}', auth)
        show("environment pairs", "POST", "/v1/project/up/x",
             b'{"director_file": "a", "environment": [["K", 1.5]]}', auth)
        show("interface", "POST", "/v1/project/up/x",
             b'{"director_file": "a", "reserve_port": [[1, null]]}', auth)
        show("network", "POST", "/v1/project/up/x",
             b'{"director_file": "a", "reserve_port": {"em0": ["x"]}}', auth)
        show("down environment", "POST", "/v1/project/down/x",
             b'{"environment": {"A": null}}', auth)
        show("metadata value required", "POST", "/v1/metadata/k", b"{}", auth)
        show("namespace mapping required", "POST", "/v1/namespace/n", b"{}",
             auth)
        show("vm template required", "POST", "/v1/vm/vm1",
             b'{"makejail": "x"}', auth)
        show("vm template type", "POST", "/v1/vm/vm1",
             b'{"makejail": "x", "template": 3, "diskLayout": {}}', auth)
        # Python coercions: str(5) -> "5", bool("false") -> True.
        s, raw = show("coerced up", "POST", "/v1/project/up/coerce",
                      b'{"director_file": 5, "restart": "false", '
                      b'"environment": [["AB", "cd"], "XY"]}', auth)
        job = json.loads(raw)["job_id"]
        st, b = n.request("GET", "/v1/jobs/%d" % job)
        print("coerced payload:", b["job"]["payload"])
        print("coerced restart:", b["job"]["restart"])
        # -- names and traversal ------------------------------------------
        os.makedirs(os.path.join(n.tmp, "appjail-logs/jails/web/console"))
        with open(os.path.join(n.tmp, "appjail-logs/jails/web/console/"
                               "2025.log"), "w") as f:
            f.write("\x1b[32mgreen\x1b[0m line\n")
        with open(os.path.join(n.tmp, "secret.txt"), "w") as f:
            f.write("top secret\n")
        show("jail log", "GET", "/v1/jail/log/jails/web/console/2025.log",
             headers=auth)
        for p in ["/v1/jail/log/../../../secret.txt",
                  "/v1/jail/log/jails/web/..%2F..%2F../secret.txt",
                  "/v1/jail/log/%2E%2E/%2E%2E/%2E%2E/secret.txt",
                  "/v1/jail/log/jails/web/console/..",
                  "/v1/projects/log/2025-04-23_10h15m02s/../x.log",
                  "/v1/metadata/..%2Fsecret",
                  "/v1/metadata/a..b",
                  "/v1/namespace/..",
                  "/v1/project/up/a%2Fb",
                  "/v1/jail/info/-bad"]:
            show("traversal " + p, "GET", p, headers=auth)
        # A long name that a backtracking regex would choke on.
        show("pathological key", "GET", "/v1/metadata/" + "a" * 3000 + "!",
             headers=auth)
        # -- sizes --------------------------------------------------------
        status, raw = show("metadata too long", "POST", "/v1/metadata/big",
                           json.dumps({"value": "é" * 4097}).encode(), auth)
        big = b'{"value": "' + b"x" * (33 << 20) + b'"}'
        try:
            s, _, raw = n.raw("POST", "/v1/metadata/huge", big, auth)
            print("oversized body ->", s)
        except (ConnectionError, OSError) as e:
            print("oversized body -> connection closed")
        # A header that never ends must not hang the server.
        so = socket.create_connection(("127.0.0.1", n.port), timeout=10)
        so.sendall(b"GET /v1/ping HTTP/1.1\r\nX: " + b"y" * (64 << 10))
        try:
            data = so.recv(200)
            print("huge header ->", data.split(b"\r\n")[0].decode())
        except OSError:
            print("huge header -> connection closed")
        so.close()
        check(n.request("GET", "/v1/ping")[0] == 200, "server still answers")
        print("rc:", n.stop())


main()
