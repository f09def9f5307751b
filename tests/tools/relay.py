#!/usr/bin/env python3
"""relay.py - what relays and gateways do to a notice on its way, byte by
byte (no email library: it would re-serialise the signed part).

    relay.py NOTICE OUTDIR

writes OUTDIR/<name>.eml for every transform and prints "name keeps" or
"name breaks": "keeps" leaves every signed byte alone (a relay that does
it must not cost the notice its verdict), "breaks" changes the signed
part (the verdict must then never be genuine).  The transforms are read
from what servers do, not from the samples: trace headers, re-encoded
and unfolded header fields, line ends, a disclaimer part wrapped around
the signed part, the signature re-wrapped, parameters reordered, header
names lower-cased; and quoted-printable, trailing blanks and re-wrapped
lines inside the signed part."""
import base64
import os
import re
import sys


def split_header(raw, nl):
    head, _, body = raw.partition(nl + nl)
    fields = re.split(rb"\r?\n(?![ \t])", head)
    return fields, body


def join(fields, body, nl):
    return nl.join(fields) + nl + nl + body


def field(fields, name):
    for f in fields:
        if f.lower().startswith(name.lower() + b":"):
            return f
    return None


def replace(fields, name, new):
    return [new if f.lower().startswith(name.lower() + b":") else f for f in fields]


def decoded_subject(fields):
    import email.header
    raw = field(fields, b"Subject")[len(b"Subject:"):]
    text = re.sub(rb"\r?\n[ \t]+", b" ", raw).decode("ascii", "replace").strip()
    return str(email.header.make_header(email.header.decode_header(text)))


def encoded_word(text, how):
    data = text.encode("utf-8")
    if how == "B":
        return b"=?UTF-8?B?" + base64.b64encode(data) + b"?="
    q = b"".join(bytes([c]) if chr(c).isalnum() and c < 128 else b"=%02X" % c for c in data)
    return b"=?UTF-8?Q?" + q + b"?="


def boundary_of(fields):
    ct = re.sub(rb"\r?\n[ \t]+", b" ", field(fields, b"Content-Type"))
    return re.search(rb'boundary="?([^";\s]+)"?', ct, re.I).group(1)


def parts(body, bnd, nl):
    """preamble, [part bytes between delimiters], epilogue"""
    delim = nl + b"--" + bnd
    first = body.index(b"--" + bnd)
    pieces = (nl + body[first:]).split(delim)
    return body[:first], pieces[1:-1], pieces[-1]


def join_parts(pre, ps, epi, bnd, nl):
    delim = nl + b"--" + bnd
    return pre + (delim.join([b""] + ps + [epi]))[len(nl):]


def transforms(raw):
    nl = b"\r\n" if b"\r\n" in raw else b"\n"
    fields, body = split_header(raw, nl)
    subject = decoded_subject(fields)
    bnd = boundary_of(fields)
    pre, ps, epi = parts(body, bnd, nl)
    signed, sig = ps[0], ps[1]
    out = {}

    trace = [b"Received: from relay.example.ac.jp (relay.example.ac.jp [192.0.2.1])",
             b"\tby mx.example.ac.jp (Postfix) with ESMTPS id 4Xy2Zq;",
             b"\tMon,  1 Jan 2024 00:00:00 +0900 (JST)", b"X-Spam-Score: 0.1"]
    out["trace-headers"] = ("keeps", join(trace[:3] + [trace[3]] + fields, body, nl))
    for how in ("B", "Q"):
        new = b"Subject: " + encoded_word(subject, how)
        out["subject-utf8-" + how.lower()] = ("keeps", join(replace(fields, b"Subject", new), body, nl))
    out["subject-8bit"] = ("keeps", join(replace(fields, b"Subject", b"Subject: " + subject.encode()), body, nl))
    out["unfolded"] = ("keeps", join([re.sub(rb"\r?\n[ \t]+", b" ", f) for f in fields], body, nl))
    out["lower-case-names"] = ("keeps", join([re.sub(rb"^([^:]+):", lambda m: m.group(1).lower() + b":", f)
                                              for f in fields], body, nl))
    lf = raw.replace(b"\r\n", b"\n")
    out["lf"] = ("keeps", lf)
    out["crlf"] = ("keeps", lf.replace(b"\n", b"\r\n"))

    ct = field(fields, b"Content-Type")
    params = [p.strip() for p in re.sub(rb"\r?\n[ \t]+", b" ", ct).split(b";")[1:] if p.strip()]
    new_ct = b"Content-Type: multipart/signed;" + nl + b"\t" + (b";" + nl + b"\t").join(reversed(params))
    out["params-reordered"] = ("keeps", join(replace(fields, b"Content-Type", new_ct), body, nl))

    sh, _, sb = sig.partition(nl + nl)
    der = base64.b64decode(b"".join(sb.split()))
    b64 = base64.b64encode(der)
    rewrapped = nl.join(b64[i:i + 76] for i in range(0, len(b64), 76)) + nl
    out["signature-rewrapped"] = ("keeps", join(fields, join_parts(pre, [signed, sh + nl + nl + rewrapped], epi, bnd, nl), nl))

    content = [f for f in fields if re.match(rb"(?i)content-", f)]
    rest = [f for f in fields if not re.match(rb"(?i)(content-|mime-version)", f)]
    gw = b"=_gateway_disclaimer_0001"
    wrapped = (b"--" + gw + nl + nl.join(content) + nl + nl + body.rstrip(b"\r\n") + nl +
               b"--" + gw + nl + b"Content-Type: text/plain; charset=us-ascii" + nl + nl +
               b"This message was scanned by the Example gateway." + nl + b"--" + gw + b"--" + nl)
    out["disclaimer-wrapped"] = ("keeps", join(rest + [b"MIME-Version: 1.0",
                                                    b'Content-Type: multipart/mixed; boundary="' + gw + b'"'],
                                               wrapped, nl))

    # inside the signed part: what an 8BITMIME downgrade or a "cleaning"
    # gateway does to the text
    qp = re.sub(rb"=", b"=3D", signed)
    out["signed-equals-encoded"] = ("breaks", join(fields, join_parts(pre, [qp, sig], epi, bnd, nl), nl))
    lines = signed.rstrip(b"\r\n").split(nl)
    lines[-1] += b" "
    blanks = nl.join(lines) + signed[len(signed.rstrip(b"\r\n")):]
    out["signed-trailing-blank"] = ("breaks", join(fields, join_parts(pre, [blanks, sig], epi, bnd, nl), nl))
    lines = signed.split(nl)
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    cut = len(lines[longest]) // 2
    lines[longest:longest + 1] = [lines[longest][:cut], lines[longest][cut:]]
    out["signed-line-rewrapped"] = ("breaks", join(fields, join_parts(pre, [nl.join(lines), sig], epi, bnd, nl), nl))
    return out


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: relay.py NOTICE OUTDIR\n")
        return 2
    raw = open(sys.argv[1], "rb").read()
    for name, (effect, data) in sorted(transforms(raw).items()):
        with open(os.path.join(sys.argv[2], name + ".eml"), "wb") as f:
            f.write(data)
        print(name, effect)
    return 0


if __name__ == "__main__":
    sys.exit(main())
