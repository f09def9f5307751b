#!/usr/bin/env python3
"""shibcert-peer.py - the peer of `make bench`'s notice figures: what a
certificate office's script does with the standard library alone (the
checks of kyoto-u/shibcert): for every message of an mbox, the subject
names a UPKI notice, From is the service's address, a pkcs7 part is
present, and the URL is taken with a regular expression.  No signature
is verified.  Prints the number of notices it found.

    shibcert-peer.py MBOX
"""
import email.parser
import email.policy
import re
import sys
from email.header import decode_header, make_header

SENDER = "ca-support@ml.secom-sts.co.jp"
URL = re.compile(r"https://scia\.secomtrust\.net/[-=%./?\w]+")
KINDS = ("証明書発行", "アクセスPIN発行", "証明書取得", "証明書更新", "証明書失効")


def text_of(part):
    data = part.get_payload(decode=True) or b""
    try:
        return data.decode(part.get_content_charset() or "us-ascii", "replace")
    except LookupError:
        return data.decode("us-ascii", "replace")


def is_notice(msg):
    try:
        subject = str(make_header(decode_header(msg.get("Subject", ""))))
    except (LookupError, UnicodeError, ValueError):
        return False
    if "[UPKI]" not in subject or not any(k in subject for k in KINDS):
        return False
    if SENDER not in str(msg.get("From", "")).lower():
        return False
    signed = False
    url = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("application/pkcs7-signature", "application/x-pkcs7-signature",
                     "application/pkcs7-mime"):
            signed = True
        elif ctype == "text/plain" and url is None:
            m = URL.search(text_of(part))
            url = m.group(0) if m else None
    return signed


def messages(path):
    """The messages of an mbox (mboxrd quoting undone), as bytes."""
    with open(path, "rb") as f:
        lines = []
        for line in f:
            if line.startswith(b"From "):
                if lines:
                    yield b"".join(lines)
                lines = []
                continue
            if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                line = line[1:]
            lines.append(line)
        if lines:
            yield b"".join(lines)


def main():
    parser = email.parser.BytesParser(policy=email.policy.compat32)
    found = 0
    for raw in messages(sys.argv[1]):
        found += is_notice(parser.parsebytes(raw))
    print(found)


if __name__ == "__main__":
    main()
