"""Test driver for overlordd integration tests (stdlib only).

Node(tmp, overlordd, ajsim) prepares a private world in `tmp`:
  bin/{appjail,appjail-director,rctl,sysctl} -> ajsim, AJSIM_ROOT=tmp/sim,
  overlord.yml with every directory under tmp, a fixed secret_key,
then start() runs `overlordd serve --port 0 --port-file ...` and waits for the
port. request() speaks HTTP/1.1 to it with http.client; wait_job() polls
GET /v1/jobs/{id} until the job is final. Every wait has a deadline.
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time

SECRET = "integration-test-secret-0123456789abcdef"
FINAL = {"completed", "incompleted", "failed", "noop", "cancelled"}


# Makejails the examples use that are not in the corpus: their ARG lines.
EXTRA_MAKEJAILS = {
    ("DtxdF", "hello-http-makejail"):
        "ARG darkhttpd_tag=latest\nOPTION overwrite=force\n"
        "OPTION from=ghcr.io/appjail-makejails/darkhttpd:${darkhttpd_tag}\n",
}


class Node:
    def __init__(self, tmp, overlordd, ajsim, extra_config="", workers=2,
                 io_threads=2, polling=1,
                 labels=("all",), sim_dir=None):
        self.tmp = os.path.abspath(tmp)
        self.overlordd = overlordd
        self.ajsim = ajsim
        shutil.rmtree(self.tmp, ignore_errors=True)
        os.makedirs(self.tmp)
        self.bin = os.path.join(self.tmp, "bin")
        # The simulator's state (AppJail's and Director's files); sim_dir
        # puts it elsewhere (tmpfs: commands as instant as they can be).
        self.sim = sim_dir or os.path.join(self.tmp, "sim")
        shutil.rmtree(self.sim, ignore_errors=True)
        os.makedirs(self.sim)
        subprocess.run([ajsim, "install", self.bin], check=True,
                       stdout=subprocess.DEVNULL)
        self.env = dict(os.environ)
        self.env["PATH"] = self.bin + os.pathsep + self.env.get("PATH", "")
        self.env["AJSIM_ROOT"] = self.sim
        self.env.pop("OVERLORD_CONFIG", None)
        self.config = os.path.join(self.tmp, "overlord.yml")
        t = self.tmp
        with open(self.config, "w") as f:
            f.write(f"""secret_key: "{SECRET}"
serverid: {t}/serverid
labels: [{", ".join(labels)}]
max_watch_commands: {workers}
director:
  logs: {self.sim}/director/logs
appjail:
  jails: {self.sim}/appjail/jails
  logs: {t}/appjail-logs
metadata:
  location: {t}/metadata
  namespaces: {t}/namespaces
  size: 4096
polling:
  jails: {polling}
  projects: {polling}
  jail_info: {polling}
  jail_stats: {polling}
  jail_extras: {polling}
  project_info: {polling}
overlordd:
  database: {t}/db/jobs.db
  address: 127.0.0.1
  io_threads: {io_threads}
{extra_config}""")
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.tmp, "overlordd.log")
        self._token = None

    # -- process ---------------------------------------------------------
    def cmd(self, *args, check=True):
        """Runs `overlordd -c CONFIG ARGS`; returns the CompletedProcess."""
        return subprocess.run([self.overlordd, "-c", self.config, *args],
                              env=self.env, capture_output=True, text=True,
                              check=check, timeout=30)

    def start(self, timeout=15, port=0, extra_args=(), log_level="debug"):
        port_file = os.path.join(self.tmp, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [self.overlordd, "-c", self.config, "--log-level", log_level,
             "serve", "--port", str(port), "--port-file", port_file,
             *extra_args],
            env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("overlordd exited with %d:\n%s" %
                                   (self.proc.returncode, self.read_log()))
            if os.path.exists(port_file):
                self.port = int(open(port_file).read())
                return self
            time.sleep(0.01)
        raise RuntimeError("overlordd did not start:\n" + self.read_log())

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            raise RuntimeError("overlordd did not stop in time")
        finally:
            self.proc = None
            self.log.close()
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def read_log(self):
        try:
            return open(self.log_path).read()
        except OSError:
            return ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.log.close()
            self.proc = None

    # -- simulator -------------------------------------------------------
    def sim_cmd(self, *args):
        subprocess.run([self.ajsim, *args], env=self.env, check=True,
                       stdout=subprocess.DEVNULL, timeout=30)

    def install_makejail_fixtures(self, corpus):
        """The corpus's AppJail-makejails Makejails as the simulator's gh+
        fixtures (sim/makejails/<user>/<repo>/Makejail), so that Director's
        `arguments:` are checked against the real ARG lines."""
        src = os.path.join(corpus, "makejails")
        for f in os.listdir(src):
            parts = f.split("__")
            if len(parts) != 3 or parts[2] != "Makejail":
                continue
            with open(os.path.join(src, f)) as fh:
                text = fh.read()
            # The corpus holds Makejails only, not the files they INCLUDE:
            # drop those lines (the ARG lines are in the Makejail itself).
            text = "".join(l for l in text.splitlines(True)
                           if not l.lstrip().upper().startswith("INCLUDE"))
            dst = os.path.join(self.sim, "sim", "makejails", parts[0], parts[1])
            os.makedirs(dst, exist_ok=True)
            with open(os.path.join(dst, "Makejail"), "w") as fh:
                fh.write(text)
        for (user, repo), text in EXTRA_MAKEJAILS.items():
            dst = os.path.join(self.sim, "sim", "makejails", user, repo)
            os.makedirs(dst, exist_ok=True)
            with open(os.path.join(dst, "Makejail"), "w") as fh:
                fh.write(text)

    def journal(self):
        path = os.path.join(self.sim, "sim", "calls.jsonl")
        if not os.path.exists(path):
            return []
        return [json.loads(l) for l in open(path) if l.strip()]

    # -- HTTP ------------------------------------------------------------
    def token(self, *args):
        if args:
            return self.cmd("gen-token", *args).stdout.strip()
        if self._token is None:
            self._token = self.cmd("gen-token").stdout.strip()
        return self._token

    def raw(self, method, path, body=None, headers=None):
        """One request; returns (status, headers dict, body bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def request(self, method, path, body=None, token=True, headers=None):
        """JSON request with the node's token; returns (status, json|None)."""
        h = dict(headers or {})
        if token:
            h["Authentication"] = "Bearer " + (
                token if isinstance(token, str) else self.token())
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        status, _, raw = self.raw(method, path, data, h)
        return status, (json.loads(raw) if raw else None)

    def wait_job(self, job_id, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            s, b = self.request("GET", "/v1/jobs/%d" % job_id)
            if s == 200 and b["job"]["status"] in FINAL:
                return b
            time.sleep(0.02)
        raise RuntimeError("job %d not final after %ss: %s\n%s" %
                           (job_id, timeout, b, self.read_log()[-3000:]))

    def wait_for(self, pred, timeout=15, what="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = pred()
            if v:
                return v
            time.sleep(0.05)
        raise RuntimeError("timed out waiting for " + what)


def check(cond, what):
    """Prints a line FileCheck looks for; exits non-zero on failure."""
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)
    print("ok: " + what)
