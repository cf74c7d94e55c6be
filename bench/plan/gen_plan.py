#!/usr/bin/env python3
"""Writes a canonical .oplan with about N ops (default 10,000) to stdout.

Usage: gen_plan.py [N] [--variant]
--variant changes roughly 1 op in 50 (environment values, Director files,
a few adds and destroys) so that two outputs make a realistic diff.
Each target gets 4 ops: metadata.put, project.up, skydns.record, lb.server.
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10000
variant = "--variant" in sys.argv
S = "secret:hmac-sha256:" + "ab" * 32
out = ['overlord-plan 1', 'compiler "overlordc 0.1.0"', 'secrets key:0123456789abcdef',
       'source "bench.yml" sha256:' + "0" * 64, 'cluster sha256:' + "1" * 64]
targets = max(1, n // 4)
routes = sorted("dc%d.node%05d" % (t % 10, t) for t in range(targets))
for t, route in enumerate(routes):
    ch = variant and t % 50 == 7
    out += ['', 'target "%s" {' % route, '  access_token = ' + S,
            '  datacenter = "%s"' % route.split(".")[0], '  entrypoint = none',
            '  labels = [', '    "all"', '    "rack%d"' % (t % 7), '  ]']
    if not (variant and t % 97 == 3):
        val = "config %d\n" % t
        out += ['', '  metadata.put "cfg%d" {' % t, '    size = %dB' % len(val),
                '    value = <<EOT', '      config %d' % t, '    EOT', '    value_secret = none', '  }']
    director = ["services:", "  web:", "    makejail: gh+AppJail-makejails/nginx",
                "    name: web%d" % t]
    if ch:
        director.append("    priority: 1")
    out += ['', '  project.up "web%d" {' % t, '    director = <<EOT']
    out += ['      ' + l for l in director]
    out += ['    EOT', '    director_metadata = none', '    environ_from_metadata = none',
            '    environment = {', '      "PORT": "%s"' % ("8080" if variant and t % 50 == 11 else "80"),
            '      "ROUTE": "%s"' % route, '    }', '    reserve_port = {}', '    restart = false',
            '    secret_environment = {', '      "TOKEN": ' + S, '    }', '  }']
    out += ['', '  skydns.record "web%d:A" {' % t, '    address = none', '    group = "web"',
            '    interface = "jext"', '    name = "web%d.lan"' % t, '    port = none', '    priority = none',
            '    proto = none', '    service = none', '    ttl = 60', '    type = "A"', '    weight = none', '  }']
    out += ['', '  lb.server "web%d:web" {' % t, '    address = none', '    backend = "web"',
            '    interface = "jext"', '    port = 80', '    set = {}', '  }']
    out.append('}')
print("\n".join(out))
