#!/usr/bin/env python3
"""webhook-receiver.py - a Standard Webhooks receiver for the upki-fetch
tests, on 127.0.0.1 only, HTTPS with the certificate the test made.

usage: webhook-receiver.py DIR CERT KEY SECRET
Writes DIR/port once listening.  Per request it checks webhook-id,
webhook-timestamp (within 5 minutes) and webhook-signature against SECRET
(whsec_<base64>), appends "id verdict status" to DIR/requests and the body
to DIR/body.<id>.  DIR/plan holds the answers to give, one status per
line, consumed from the top; when empty, 200.  A bad signature is 401.
"""
import base64, hashlib, hmac, http.server, os, ssl, sys, time

DIR, CERT, KEY, SECRET = sys.argv[1:5]
KEYBYTES = base64.b64decode(SECRET.split("_", 1)[1])


def next_status():
    path = os.path.join(DIR, "plan")
    try:
        lines = open(path).read().split()
    except FileNotFoundError:
        return 200
    if not lines:
        return 200
    with open(path, "w") as f:
        f.write("\n".join(lines[1:]))
    return int(lines[0])


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        mid = self.headers.get("webhook-id", "")
        ts = self.headers.get("webhook-timestamp", "0")
        sig = self.headers.get("webhook-signature", "")
        mac = hmac.new(KEYBYTES, f"{mid}.{ts}.".encode() + body, hashlib.sha256).digest()
        want = "v1," + base64.b64encode(mac).decode()
        fresh = ts.isdigit() and abs(time.time() - int(ts)) < 300
        good = fresh and any(hmac.compare_digest(want, s) for s in sig.split())
        status = next_status() if good else 401
        with open(os.path.join(DIR, "requests"), "a") as f:
            f.write(f"{mid} {'verified' if good else 'badsig'} {status}\n")
        with open(os.path.join(DIR, "body." + mid), "wb") as f:
            f.write(body)
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
