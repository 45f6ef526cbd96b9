#!/usr/bin/env python3
"""Prints a synthetic GitHub-format token with a valid CRC-32 tail, for rule examples.

    scripts/github-test-token.py ghp_ FakeMoatExamplePayload0123456

The tail is 6 base62 characters of the payload's CRC-32 (what moat's `github-checksum` validator
checks). The token was never issued by GitHub; mark the payload `Fake` as docs/rules.md asks.
"""
import sys
import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(n, width=6):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(width, "0")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: github-test-token.py PREFIX PAYLOAD")
    prefix, payload = sys.argv[1], sys.argv[2]
    print(prefix + payload + base62(zlib.crc32(payload.encode())))
