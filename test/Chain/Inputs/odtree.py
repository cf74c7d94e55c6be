"""A tree of overlordd nodes on loopback for the chain tests (stdlib only).

    tree = Tree(tmp, overlordd, ajsim, [("main", None, ["all"]),
                                         ("alpha", "main", ["desktop"]), ...])
    tree.start()          # leaves first: a parent's config names its
                          # children's ports and tokens
    tree["main"].request("GET", "/v1/tree")
    tree.stop()

Options: `tls=True` gives every non-root node an HTTPS listener with a
certificate signed by a CA made in the test (openssl), and parents reach
their children over HTTPS with `cacert`; `extra` is appended to every node's
overlord.yml (autodisable, polling.heartbeat); `ports` fixes a node's HTTP
port (for cycles, where a node's config names a node started after it).
"""
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "Engine", "Inputs"))
from odnode import Node  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def make_ca(d):
    """A CA and a 127.0.0.1 server certificate signed by it, in d."""
    os.makedirs(d, exist_ok=True)
    run = lambda *a: subprocess.run(a, check=True, capture_output=True,
                                    timeout=60)
    ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    key, csr, crt = (os.path.join(d, n) for n in ("srv.key", "srv.csr",
                                                  "srv.pem"))
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
        "2", "-subj", "/CN=overlord test CA", "-keyout", ca_key, "-out", ca)
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj",
        "/CN=127.0.0.1", "-keyout", key, "-out", csr)
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
        "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", crt)
    return ca, crt, key


class BlackHole:
    """Accepts connections and never answers (a hung node)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


class Tree:
    def __init__(self, tmp, overlordd, ajsim, spec, tls=False, extra="",
                 ports=None, chain_extra="", heartbeat=None):
        self.tmp = os.path.abspath(tmp)
        self.overlordd, self.ajsim = overlordd, ajsim
        self.spec = spec
        self.parent = {n: p for n, p, _ in spec}
        self.labels = {n: l for n, _, l in spec}
        self.children = {n: [c for c, p, _ in spec if p == n] for n, _, _ in spec}
        self.tls = tls
        self.heartbeat = heartbeat
        self.extra = extra
        self.chain_extra = chain_extra
        self.ports = dict(ports or {})
        self.nodes = {}
        self.tls_ports = {}
        self.extra_chains = {}  # name -> [(chain name, url, token)]
        if tls:
            self.ca, self.crt, self.key = make_ca(os.path.join(self.tmp, "ca"))

    def __getitem__(self, n):
        return self.nodes[n]

    def url(self, n):
        if self.tls and self.parent.get(n):
            return "https://127.0.0.1:%d" % self.tls_ports[n]
        return "http://127.0.0.1:%d" % self.nodes[n].port

    def _chains_config(self, n, tokens):
        lines = []
        for c in self.children[n]:
            lines += ["  %s:" % c, "    entrypoint: %s" % self.url(c),
                      "    access_token: %s" % tokens[c]]
            if self.tls:
                lines.append("    cacert: %s" % self.ca)
            if self.chain_extra:
                lines += ["    " + l for l in self.chain_extra.splitlines()]
        for name, url, token, *more in self.extra_chains.get(n, []):
            lines += ["  %s:" % name, "    entrypoint: %s" % url,
                      "    access_token: %s" % token]
            for extra in more:
                lines += ["    " + l for l in extra.splitlines()]
        return ("chains:\n" + "\n".join(lines) + "\n") if lines else ""

    def _order(self):
        """Leaves first."""
        out, seen = [], set()

        def visit(n):
            for c in self.children[n]:
                visit(c)
            if n not in seen:
                seen.add(n)
                out.append(n)
        for n, p, _ in self.spec:
            if p is None:
                visit(n)
        return out

    def make(self, n, tokens):
        cfg = self._chains_config(n, tokens) + self.extra
        if self.tls and self.parent.get(n):
            self.tls_ports[n] = free_port()
            cfg += "tls:\n  certfile: %s\n  keyfile: %s\n" % (self.crt,
                                                             self.key)
        node = Node(os.path.join(self.tmp, n), self.overlordd, self.ajsim,
                    extra_config=cfg, labels=self.labels[n], workers=1,
                    io_threads=1, polling=30)
        # Probes of disabled chains every second (default 5).
        text = open(node.config).read().replace(
            "overlordd:\n", "overlordd:\n  chain_probe_interval: 1\n", 1)
        open(node.config, "w").write(text)
        if self.heartbeat:
            # odnode writes the `polling` section; heartbeat belongs in it.
            text = open(node.config).read().replace(
                "polling:\n", "polling:\n  heartbeat: %s\n" % self.heartbeat, 1)
            open(node.config, "w").write(text)
        return node

    def start_node(self, n):
        node = self.nodes[n]
        args = []
        if n in self.tls_ports:
            args += ["--tls-port", str(self.tls_ports[n])]
        node.start(port=self.ports.get(n, 0), extra_args=args)
        return node

    def start(self):
        tokens = {}
        for n in self._order():
            node = self.make(n, tokens)
            self.nodes[n] = node
            tokens[n] = node.token()
            self.start_node(n)
        self.tokens = tokens
        return self

    def restart(self, n):
        node = self.nodes[n]
        if node.proc is not None:
            node.stop()
        port = node.port
        self.ports[n] = port
        return self.start_node(n)

    def stop(self):
        for n in reversed(list(self.nodes)):
            try:
                self.nodes[n].__exit__()
            except Exception:
                pass


def walk(tree_obj, prefix=""):
    """(path, labels) of every node of a /v1/tree answer, depth first."""
    yield prefix, tree_obj.get("labels")
    for c in tree_obj.get("chains", []):
        if "tree" in c:
            p = c["name"] if not prefix else prefix + "." + c["name"]
            yield from walk(c["tree"], p)
