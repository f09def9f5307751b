#!/usr/bin/env python3
"""fake-site.py - a local imitation of the UPKI retrieval site for the
tests of upki-fetch's retrieve action (tests/integration/fetch-retrieve.sh).

It serves https on 127.0.0.1 with a certificate for scia.secomtrust.net
made at test time; the client reaches it through CURLOPT_CONNECT_TO, so
the Host header must still name the real host (checked here).

The flow is the one shared/upki-samples/README.md describes: GET of the
entrance page, POST of its form, POST of the download form, a ZIP.  The
site keeps the flow in a cookie session (JSESSIONID) and hidden fields,
and a URL works once.  What the token's name (the part of p1 before
"-") says is done:

  pinX        PIN kind; the table is DIR/pin/pinX.tsv (bytes as given)
  allpinX     the same through SPEntranceCliAllPin.jsp
  certX       certificate kind; DIR/certzip/certX.zip, refused with a
              page speaking of the access PIN until pinX was fetched
  redirect-offhost / redirect-onhost   302 to another host / to pinC
  formoffhost / formwrong              entrance form leaving the host /
                                       with an unexpected action
  slow        the entrance answers after 30 s
  huge        an endless page without Content-Length
  big         a 2 MiB page with its Content-Length
  loop        a redirect to itself, for ever
  bomb        a PIN ZIP whose table inflates to 32 MiB
  e503 / e404 that HTTP status at the entrance

The server exits by itself after --timeout seconds.
"""
import argparse
import html
import http.server
import io
import os
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
import zipfile

HOST = "scia.secomtrust.net"
BASE = "/upki-odcert/download/"
KINDS = {  # entrance -> (first action, download action)
    "SPEntranceCliPin.jsp": ("spEntranceCliPin.do", "spDLCliPin.do"),
    "SPEntranceCliAllPin.jsp": ("spEntranceCliAllPin.do", "spDLCliAllPin.do"),
    "SPEntranceCliAll.jsp": ("spEntranceCliAll.do", "spDLCliAll.do"),
}

state_lock = threading.Lock()
sessions = {}   # cookie -> {"token", "kind", "step", "key"}
used = set()    # tokens whose ZIP was handed out
pins_fetched = set()  # names X of pinX fetched


def page(title, body, charset="utf-8"):
    text = ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" '
            'content="text/html; charset=%s"><title>%s</title></head>'
            '<body>%s</body></html>' % (charset, title, body))
    return text.encode("cp932" if charset.lower() == "shift_jis" else charset)


def form(action, fields, submit="次へ"):
    inputs = "".join('<input type="hidden" name="%s" value="%s">' % (k, html.escape(v))
                     for k, v in fields.items())
    return ('<form method="post" action="%s">%s<input type="submit" name="next" value="%s"></form>'
            % (html.escape(action), inputs, submit))


def bomb_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("pin.txt", b"\0" * (32 << 20))
    return buf.getvalue()


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "FakeUPKI/1.0"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake-site: " + (fmt % args) + "\n")

    def send(self, status, body, ctype="text/html", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def host_ok(self):
        host = self.headers.get("Host", "")
        if host in (HOST, HOST + ":443"):
            return True
        self.send(400, page("Bad Request", "wrong Host"))
        return False

    def session(self):
        cookie = self.headers.get("Cookie", "")
        for part in cookie.split(";"):
            k, _, v = part.strip().partition("=")
            if k == "JSESSIONID":
                return v, sessions.get(v)
        return None, None

    def do_GET(self):
        if not self.host_ok():
            return
        url = urllib.parse.urlsplit(self.path)
        jsp = url.path.rsplit("/", 1)[-1]
        if not url.path.startswith(BASE + "view/jsp/") or jsp not in KINDS:
            return self.send(404, page("Not Found", "not found"))
        token = urllib.parse.parse_qs(url.query).get("p1", [""])[0]
        self.entrance(jsp, token)

    def entrance(self, jsp, token):
        name = token.split("-")[0]
        if token.startswith("redirect-offhost"):
            return self.send(302, b"", headers=[("Location", "https://evil.example.net" + self.path)])
        if token.startswith("redirect-onhost"):
            target = BASE + "view/jsp/SPEntranceCliPin.jsp?p1=" + urllib.parse.quote("pinC-" + token.split("-", 2)[2])
            return self.send(302, b"", headers=[("Location", target)])
        if name == "loop":
            return self.send(302, b"", headers=[("Location", self.path)])
        if name == "big":
            return self.send(200, b"<p>" + b"x" * (2 << 20) + b"</p>")
        if name == "slow":
            time.sleep(30)
        if name == "huge":
            return self.endless()
        if name in ("e503", "e404"):
            return self.send(int(name[1:]), page("Error", "error"))
        with state_lock:
            if token in used:
                return self.send(200, page("エラー", "<p>このURLは既に使用されたか、有効期限が切れています。</p>"))
            cookie = secrets.token_hex(16)
            sessions[cookie] = {"token": token, "kind": jsp, "step": 1, "key": secrets.token_hex(8)}
            key = sessions[cookie]["key"]
        first = KINDS[jsp][0]
        action = BASE + first
        if name == "formoffhost":
            action = "https://evil.example.net" + BASE + first
        elif name == "formwrong":
            action = BASE + "spOther.do"
        charset = "Shift_JIS" if jsp == "SPEntranceCliPin.jsp" else "utf-8"
        body = page("証明書取得", "<p>ダウンロードを開始します。</p>" + form(action, {"p1": token, "key": key}), charset)
        self.send(200, body, "text/html; charset=" + charset,
                  [("Set-Cookie", "JSESSIONID=%s; Path=/upki-odcert; Secure; HttpOnly" % cookie)])

    def endless(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        chunk = b"<p>" + b"x" * 65536 + b"</p>\n"
        try:
            for _ in range(1024):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass
        self.close_connection = True

    def do_POST(self):
        if not self.host_ok():
            return
        length = int(self.headers.get("Content-Length", "0"))
        fields = urllib.parse.parse_qs(self.rfile.read(length).decode("ascii", "replace"))
        action = urllib.parse.urlsplit(self.path).path
        cookie, s = self.session()
        with state_lock:
            if s is None or fields.get("key", [""])[0] != s["key"]:
                return self.send(200, page("エラー", "<p>セッションが無効です。</p>"))
            first, dl = KINDS[s["kind"]]
            if s["step"] == 1 and action == BASE + first:
                s["step"] = 2
                s["key"] = secrets.token_hex(8)
                return self.send(200, page("ダウンロード", form(BASE + dl, {"key": s["key"]}, "ダウンロード")))
            if s["step"] != 2 or action != BASE + dl:
                return self.send(200, page("エラー", "<p>手順が正しくありません。</p>"))
            token = s["token"]
            del sessions[cookie]
            return self.download(s["kind"], token)

    def download(self, jsp, token):
        name = token.split("-")[0]
        d = self.server.dir
        if name == "bomb":
            return self.send(200, self.server.bomb, "application/zip")
        if jsp == "SPEntranceCliAll.jsp":
            pin_name = "pin" + name[len("cert"):]
            if pin_name not in pins_fetched:
                return self.send(200, page("エラー", "<p>アクセスPINを取得してから、証明書を取得してください。</p>"))
            path = os.path.join(d, "certzip", name + ".zip")
            if not os.path.exists(path):
                return self.send(404, page("Not Found", "no such certificate"))
            with open(path, "rb") as f:
                body = f.read()
        else:
            tsv = os.path.join(d, "pin", name + ".tsv")
            if not os.path.exists(tsv):
                return self.send(404, page("Not Found", "no such PIN"))
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z, open(tsv, "rb") as f:
                z.writestr(name + ".txt", f.read())
            body = buf.getvalue()
            pins_fetched.add(name.replace("allpin", "pin"))
        used.add(token)
        self.send(200, body, "application/zip", [("Content-Disposition", "attachment; filename=download.zip")])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    threading.Timer(a.timeout, lambda: os._exit(0)).start()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.dir = a.dir
    srv.bomb = bomb_zip()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(a.dir, "server.pem"), os.path.join(a.dir, "server.key"))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
