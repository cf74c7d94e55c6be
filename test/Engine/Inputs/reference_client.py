"""Replays the requests the reference client (src/overlord/client.py, httpx)
sends, with its headers and JSON bodies, and prints each response as
`<METHOD> <path> -> <status> <body>` so that FileCheck compares the bodies
byte for byte where the reference defines them (envelopes, messages).

usage: reference_client.py OVERLORDD AJSIM TMPDIR
"""
import json
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from odnode import Node  # noqa: E402

HTTPX_HEADERS = {
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
    "User-Agent": "python-httpx/0.28.1",
}

DIRECTOR_FILE = """options:
  - virtualnet: ':<random> default'
  - nat:
services:
  web:
    makejail: gh+AppJail-makejails/nginx
"""


def main():
    overlordd, ajsim, tmp = sys.argv[1:4]
    with Node(tmp, overlordd, ajsim) as n:
        n.start()
        token = n.token()

        def call(method, path, body=None, auth=True, show=True):
            h = dict(HTTPX_HEADERS)
            if auth:
                h["Authentication"] = "Bearer " + token
            data = None
            if body is not None:
                # httpx: json.dumps(..., separators=(",", ":"), ensure_ascii=False)
                data = json.dumps(body, separators=(",", ":"),
                                  ensure_ascii=False).encode()
                h["Content-Type"] = "application/json"
            status, headers, raw = n.raw(method, path, data, h)
            if show:
                print("%s %s -> %d %s" % (method, path, status, raw.decode()))
            return status, headers, raw

        # Resource-less paths, unknown paths and methods: no token needed.
        call("GET", "/", auth=False)
        call("GET", "/v1", auth=False)
        call("GET", "/v1/", auth=False)
        call("GET", "/v1/nothing-here", auth=False)
        call("PATCH", "/v1/ping", auth=False)
        call("GET", "/v1/ping", auth=False)
        # client.ping / get_api_labels / get_chains / get_jails / get_projects
        s, h, _ = call("GET", "/v1/ping")
        print("content-type:", h.get("content-type"))
        print("cors:", h.get("access-control-allow-origin"),
              h.get("access-control-allow-headers"))
        call("GET", "/v1/labels")
        call("GET", "/v1/chains")
        call("GET", "/v1/jails")
        call("GET", "/v1/projects")
        call("GET", "/v1/stats")
        call("GET", "/v1/metadata")
        call("GET", "/v1/namespace")
        call("GET", "/v1/projects/logs")
        call("GET", "/v1/jails/logs")
        # client.up: POST project/up/<p> with the message of apply.py
        s, _, raw = call("POST", "/v1/project/up/hello", {
            "director_file": DIRECTOR_FILE, "environment": {"GREETING": "hi"},
            "restart": False, "reserve_port": {}}, show=False)
        up = json.loads(raw)
        print("up:", s, sorted(up), up["status_code"])
        n.wait_job(up["job_id"])
        n.wait_for(lambda: n.request("HEAD", "/v1/project/info/hello")[0] == 200,
                   what="project known to node state")
        # client.check (HEAD), client.get_info (project)
        call("HEAD", "/v1/project/info/hello")
        call("HEAD", "/v1/project/info/nothere")
        s, _, raw = call("GET", "/v1/project/info/hello", show=False)
        info = json.loads(raw)["info"]
        print("info:", s, info["name"], info["state"], info["up"]["operation"],
              info["up"]["job_id"] == up["job_id"],
              0 <= info["up"]["last_update"] < 60)
        call("GET", "/v1/project/info/nothere")
        s, _, raw = call("GET", "/v1/projects", show=False)
        print("projects:", raw.decode())
        # metadata_set: HEAD then POST (new) or PUT (exists)
        call("HEAD", "/v1/metadata/app.config")
        call("POST", "/v1/metadata/app.config", {"value": "a: 1\n"})
        call("POST", "/v1/metadata/app.config", {"value": "ignored"})
        call("GET", "/v1/metadata/app.config")
        call("HEAD", "/v1/metadata/app.config")
        call("PUT", "/v1/metadata/app.config", {"value": "a: 2\n"})
        call("GET", "/v1/metadata/app.config")
        call("GET", "/v1/metadata")
        call("POST", "/v1/metadata/big", {"value": "x" * 5000})
        call("PUT", "/v1/metadata/nothere", {"value": "x"})
        call("DELETE", "/v1/metadata/app.config")
        call("DELETE", "/v1/metadata/app.config")
        call("GET", "/v1/metadata/app.config")
        # namespace_set
        call("POST", "/v1/metadata/ns.file", {"value": "hello\n"})
        call("HEAD", "/v1/namespace/web")
        call("POST", "/v1/namespace/web",
             {"mapping": [{"file": "ns.file:etc/hello.txt"},
                          {"directory": "var/empty"}]})
        s, _, raw = call("GET", "/v1/namespace/web", show=False)
        entries = json.loads(raw)["namespace"]
        print("namespace:", s, sorted(
            ("file" if "file" in e else "directory",
             (e.get("file") or e.get("directory")).split("/namespaces/web/")[1])
            for e in entries))
        call("PUT", "/v1/namespace/web", {"mapping": [{"directory": "only"}]})
        call("GET", "/v1/namespace")
        call("DELETE", "/v1/namespace/web")
        call("GET", "/v1/namespace/web")
        # client.down / client.cancel
        s, _, raw = call("POST", "/v1/project/down/hello",
                         {"environment": {}, "force": False}, show=False)
        down = json.loads(raw)
        print("down:", s, sorted(down))
        n.wait_job(down["job_id"])
        s, _, raw = call("POST", "/v1/project/cancel/hello", show=False)
        print("cancel:", s, sorted(json.loads(raw)))
        # Autoscale and VM status that do not exist.
        call("GET", "/v1/project/autoscale/hello")
        call("GET", "/v1/vm/myvm")
        call("GET", "/v1/jail/info/nojail")
        call("HEAD", "/v1/jail/info/nojail")
        call("GET", "/v1/projects/log/2025-04-23_10h15m02s/web/nothing.log")
        # OPTIONS: CORS methods, after authentication.
        s, h, raw = call("OPTIONS", "/v1/ping")
        print("allow-methods:", h.get("access-control-allow-methods"))
        call("OPTIONS", "/v1/ping", auth=False)
        print("rc:", n.stop())


main()
