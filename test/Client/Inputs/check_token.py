#!/usr/bin/env python3
"""check_token.py TOKENFILE SECRET: verifies an HS256 JWT with the standard
library and prints what it holds."""
import base64, hashlib, hmac, json, sys, time

token = open(sys.argv[1]).read().strip()
head, body, sig = token.split(".")
pad = lambda s: s + "=" * (-len(s) % 4)
want = hmac.new(sys.argv[2].encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
print("signature ok" if hmac.compare_digest(want, base64.urlsafe_b64decode(pad(sig))) else "BAD SIGNATURE")
assert json.loads(base64.urlsafe_b64decode(pad(head))) == {"alg": "HS256", "typ": "JWT"}
claims = json.loads(base64.urlsafe_b64decode(pad(body)))
print("metadata", dict(sorted(claims["metadata"].items())))
assert len(claims["random_chunk"]) == 16
if "exp" in claims:
    print("expires in", round((claims["exp"] - time.time()) / 60) * 60, "s")
else:
    print("never expires")
