#!/usr/bin/env python3
"""Check the rule files of Patterns/ (or any rule file in the same format) without building moat.

Lints every `secret_rules` and `config_rules` entry the way the build-time generator does, compiles
each pattern with the real PCRE2 library (libpcre2-8 through ctypes; falls back to the `regex`
module when the library is missing), and runs every example through the same semantics as moat:

  secret rule: a text can only produce a finding when one of the rule's keywords occurs in it
  (ASCII case-insensitive); then every match of the pattern whose span contains a keyword, whose
  `secret` group is not shorter in entropy than `min_entropy`, contains none of the `stopwords`
  (case-insensitive) and passes the offline `validate` check is a finding.
  config rule: the lower-cased path must match a glob and no exclude glob; with `content`, some
  match of it must pass `min_entropy` and `stopwords`.

It also tries to compile each pattern with vectorscan (libhs) in prefilter mode and reports the
patterns it rejects (a warning: the engine may then rely on keywords only for that rule).

This is a development aid; the Swift test suite (which runs the real engine) is authoritative.

Usage:
  scripts/check-rules.py [FILE.yaml ...]      (default: Patterns/secrets-*.yaml Patterns/sensitive-*.yaml)
  scripts/check-rules.py --github-token PREFIX BODY30   print a token with a valid CRC32 tail
Exit status: 0 when everything passes, 1 otherwise.
"""
import base64
import ctypes
import ctypes.util
import glob as globmod
import json
import math
import os
import re
import sys
import zlib

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("check-rules: needs PyYAML (apt-get install python3-yaml, or pip install pyyaml)")

VALIDATORS = {"none", "github-checksum", "jwt", "pem", "aws-key-id"}
CATEGORIES = {"secret", "sensitive-config"}
SECRET_KEYS = {"id", "name", "category", "keywords", "pattern", "min_entropy", "multiline", "slow", "generic",
               "validate", "stopwords", "examples"}
CONFIG_KEYS = {"id", "name", "category", "globs", "exclude_globs", "content", "min_entropy",
               "stopwords", "examples"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")

# ---------------------------------------------------------------------------------------------
# PCRE2 through ctypes


class PCRE2:
    def __init__(self):
        name = ctypes.util.find_library("pcre2-8") or "libpcre2-8.so.0"
        self.lib = ctypes.CDLL(name)
        L = self.lib
        L.pcre2_compile_8.restype = ctypes.c_void_p
        L.pcre2_compile_8.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint32,
                                      ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p]
        L.pcre2_get_error_message_8.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
        L.pcre2_match_data_create_from_pattern_8.restype = ctypes.c_void_p
        L.pcre2_match_data_create_from_pattern_8.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        L.pcre2_match_8.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t,
                                    ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p]
        L.pcre2_get_ovector_pointer_8.restype = ctypes.POINTER(ctypes.c_size_t)
        L.pcre2_get_ovector_pointer_8.argtypes = [ctypes.c_void_p]
        L.pcre2_substring_number_from_name_8.argtypes = [ctypes.c_void_p, ctypes.c_char_p]

    def compile(self, pattern):
        err = ctypes.c_int()
        off = ctypes.c_size_t()
        b = pattern.encode()
        code = self.lib.pcre2_compile_8(b, len(b), 0, ctypes.byref(err), ctypes.byref(off), None)
        if not code:
            buf = ctypes.create_string_buffer(256)
            self.lib.pcre2_get_error_message_8(err.value, buf, 256)
            raise ValueError(f"PCRE2 error at offset {off.value}: {buf.value.decode()}")
        group = self.lib.pcre2_substring_number_from_name_8(code, b"secret")
        return PCRE2Pattern(self.lib, code, group if group > 0 else None)


class PCRE2Pattern:
    def __init__(self, lib, code, secret_group):
        self.lib, self.code, self.secret_group = lib, code, secret_group
        self.md = lib.pcre2_match_data_create_from_pattern_8(code, None)

    def finditer(self, subject):
        """Yields (start, end, secret_start, secret_end) for every non-overlapping match."""
        pos = 0
        while pos <= len(subject):
            rc = self.lib.pcre2_match_8(self.code, subject, len(subject), pos, 0, self.md, None)
            if rc == -1:  # PCRE2_ERROR_NOMATCH
                return
            if rc < 0:
                raise RuntimeError(f"pcre2_match error {rc}")
            ov = self.lib.pcre2_get_ovector_pointer_8(self.md)
            s, e = ov[0], ov[1]
            ss = se = None
            if self.secret_group is not None:
                a, b = ov[2 * self.secret_group], ov[2 * self.secret_group + 1]
                if a != ctypes.c_size_t(-1).value:
                    ss, se = a, b
            yield s, e, ss, se
            pos = e if e > s else e + 1


class RegexModulePattern:
    """Fallback when libpcre2-8 is missing: the `regex` module is close to PCRE2."""

    def __init__(self, pattern):
        import regex  # noqa
        self.rx = regex.compile(pattern.encode(), regex.V0)
        self.secret_group = "secret" if "secret" in self.rx.groupindex else None

    def finditer(self, subject):
        for m in self.rx.finditer(subject):
            if self.secret_group and m.start("secret") >= 0:
                yield m.start(), m.end(), m.start("secret"), m.end("secret")
            else:
                yield m.start(), m.end(), None, None


try:
    _PCRE = PCRE2()

    def compile_pattern(p):
        return _PCRE.compile(p)
    ENGINE = "libpcre2-8"
except OSError:
    def compile_pattern(p):
        return RegexModulePattern(p)
    ENGINE = "python regex (approximation)"

# ---------------------------------------------------------------------------------------------
# vectorscan prefilter check (optional)


class HSError(ctypes.Structure):
    _fields_ = [("message", ctypes.c_char_p), ("expression", ctypes.c_int)]


def make_hs_check():
    name = ctypes.util.find_library("hs")
    if not name:
        return None
    try:
        hs = ctypes.CDLL(name)
    except OSError:
        return None
    hs.hs_compile.argtypes = [ctypes.c_char_p, ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p,
                              ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.POINTER(HSError))]
    hs.hs_free_database.argtypes = [ctypes.c_void_p]
    hs.hs_free_compile_error.argtypes = [ctypes.POINTER(HSError)]

    def check(pattern):
        db = ctypes.c_void_p()
        err = ctypes.POINTER(HSError)()
        rc = hs.hs_compile(pattern.encode(), 128 | 16, 1, None, ctypes.byref(db), ctypes.byref(err))  # PREFILTER|ALLOWEMPTY, BLOCK
        if rc != 0:
            msg = err.contents.message.decode() if err else f"rc {rc}"
            hs.hs_free_compile_error(err)
            return msg
        hs.hs_free_database(db)
        return None
    return check


# ---------------------------------------------------------------------------------------------
# entropy, validators, globs

def entropy(b):
    if not b:
        return 0.0
    counts = {}
    for x in b:
        counts[x] = counts.get(x, 0) + 1
    n = len(b)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(n, width=6):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(width, "0")


def github_token(prefix, body):
    return prefix + body + base62(zlib.crc32(body.encode()))


def v_github_checksum(s):
    s = s.decode("latin-1")
    i = s.find("_")
    if i < 0:
        return False
    rest = s[i + 1:]
    if len(rest) < 7 or any(c not in BASE62 for c in rest):
        return False
    return base62(zlib.crc32(rest[:-6].encode())) == rest[-6:]


def b64decode_loose(text, urlsafe=False):
    t = re.sub(rb"\s", b"", text)
    if urlsafe:
        t = t.replace(b"-", b"+").replace(b"_", b"/")
    if not re.fullmatch(rb"[A-Za-z0-9+/]*={0,2}", t):
        return None
    t = t.rstrip(b"=")
    if len(t) % 4 == 1:
        return None
    try:
        return base64.b64decode(t + b"=" * (-len(t) % 4), validate=True)
    except Exception:
        return None


def v_jwt(s):
    parts = s.split(b".")
    if len(parts) < 3:
        return False
    h = b64decode_loose(parts[0], urlsafe=True)
    if h is None:
        return False
    try:
        obj = json.loads(h)
    except Exception:
        return False
    return isinstance(obj, dict) and isinstance(obj.get("alg"), str)


PEM_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END ([A-Z0-9 ]+)-----", re.S)


def v_pem(s):
    s = s.replace(b"\\r", b"").replace(b"\\n", b"\n")
    m = PEM_RE.search(s)
    if not m or m.group(1) != m.group(3):
        return False
    label = m.group(1)
    lines = [ln.strip() for ln in m.group(2).splitlines()]
    encrypted_headers = any(ln.startswith(b"Proc-Type:") and b"ENCRYPTED" in ln for ln in lines)
    body = [ln for ln in lines if ln and b":" not in ln]
    if b"PGP" in label and body and body[-1].startswith(b"="):
        body = body[:-1]  # armor checksum
    der = b64decode_loose(b"".join(body))
    if der is None or len(der) < 40:
        return False
    if b"OPENSSH" in label:
        return der.startswith(b"openssh-key-v1\x00")
    if b"PGP" in label:
        return der[0] & 0x80 != 0
    if encrypted_headers:
        return True
    return der[0] == 0x30


AWS_PREFIXES = (b"AKIA", b"ASIA", b"ABIA", b"ACCA")


def v_aws_key_id(s):
    if len(s) != 20 or not re.fullmatch(rb"[A-Z2-7]{16}", s[4:]):
        return False
    return s[:4] in AWS_PREFIXES or (s[:3] == b"A3T" and re.fullmatch(rb"[A-Z0-9]", s[3:4]) is not None)


VALIDATE = {"none": lambda s: True, "github-checksum": v_github_checksum, "jwt": v_jwt, "pem": v_pem,
            "aws-key-id": v_aws_key_id}


def glob_match(p, s):
    """Same semantics as Glob in Sources/MoatCore/PathRules.swift."""
    def m(pi, si):
        while pi < len(p):
            c = p[pi]
            if c == "*":
                if pi + 1 < len(p) and p[pi + 1] == "*":
                    rest = pi + 3 if pi + 2 < len(p) and p[pi + 2] == "/" else pi + 2
                    if rest >= len(p):
                        return True
                    k = si
                    while True:
                        if m(rest, k):
                            return True
                        nxt = s.find("/", k)
                        if nxt < 0:
                            return False
                        k = nxt + 1
                k = si
                while True:
                    if m(pi + 1, k):
                        return True
                    if k >= len(s) or s[k] == "/":
                        return False
                    k += 1
            if si >= len(s):
                return False
            if c == "?":
                if s[si] == "/":
                    return False
            elif c == "[" and "]" in p[pi + 1:]:
                close = p.index("]", pi + 1)
                cls, ok, i = p[pi + 1:close], False, 0
                while i < len(cls):
                    if i + 2 < len(cls) and cls[i + 1] == "-":
                        ok = ok or cls[i] <= s[si] <= cls[i + 2]
                        i += 3
                    else:
                        ok = ok or cls[i] == s[si]
                        i += 1
                if not ok:
                    return False
                pi, si = close + 1, si + 1
                continue
            elif c != s[si]:
                return False
            pi += 1
            si += 1
        return si == len(s)
    return m(0, 0)


# ---------------------------------------------------------------------------------------------
# findings

def secret_findings(rule, compiled, text):
    data = text.encode()
    low = data.lower()
    kws = [k.lower().encode() for k in rule.get("keywords", [])]
    if kws and not any(k in low for k in kws):
        return [], []
    out, problems = [], []
    for s, e, ss, se in compiled.finditer(data):
        span = low[s:e]
        if kws and not any(k in span for k in kws):
            problems.append(f"match {data[s:e][:60]!r} contains no keyword")
            continue
        if not rule.get("multiline") and b"\n" in data[s:e]:
            problems.append(f"match {data[s:e][:60]!r} spans lines but the rule is not multiline")
        if ss is None:
            continue
        secret = data[ss:se]
        if rule.get("min_entropy") is not None and entropy(secret) < float(rule["min_entropy"]):
            continue
        sl = secret.lower()
        if any(w.lower().encode() in sl for w in rule.get("stopwords", []) or []):
            continue
        if not VALIDATE[rule.get("validate", "none") or "none"](secret):
            continue
        out.append(secret.decode("utf-8", "replace"))
    return out, problems


def config_finding(rule, compiled, path, text):
    lp = path.lower()
    if not any(glob_match(g, lp) for g in rule["globs"]):
        return False
    if any(glob_match(g, lp) for g in rule.get("exclude_globs", []) or []):
        return False
    if compiled is None:
        return True
    data = text.encode()
    for s, e, ss, se in compiled.finditer(data):
        secret = data[ss:se] if ss is not None else data[s:e]
        if rule.get("min_entropy") is not None and entropy(secret) < float(rule["min_entropy"]):
            continue
        if any(w.lower().encode() in secret.lower() for w in rule.get("stopwords", []) or []):
            continue
        return True
    return False


def example_list(rule, key):
    ex = rule.get("examples") or {}
    items = ex.get(key) or []
    out = []
    for it in items:
        if isinstance(it, str):
            out.append({"text": it})
        elif isinstance(it, dict):
            out.append(it)
        else:
            out.append({"text": str(it)})
    return out


# ---------------------------------------------------------------------------------------------

def check_file(path, seen, hs_check, stats):
    errors, warnings = [], []
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f) or {}
    except Exception as e:
        return [f"{name}: cannot parse: {e}"], []
    if not isinstance(doc, dict):
        return [f"{name}: top level must be a mapping"], []

    def common(rule, kind, keys):
        """The checks every rule gets: a mapping, known fields, a well-formed unique id. Returns
        where to report (None when the rule is not a mapping)."""
        rid = rule.get("id", "?") if isinstance(rule, dict) else "?"
        where = f"{name}: {kind} {rid}"
        if not isinstance(rule, dict):
            errors.append(f"{where}: not a mapping")
            return None
        errors.extend(f"{where}: unknown field '{k}'" for k in rule if k not in keys)
        if not ID_RE.match(str(rid)):
            errors.append(f"{where}: id must be lower-case letters, digits, '-' and '.'")
        if rid in seen:
            errors.append(f"{where}: duplicate id (also in {seen[rid]})")
        seen[rid] = name
        return where

    for rule in doc.get("secret_rules") or []:
        where = common(rule, "rule", SECRET_KEYS)
        if where is None:
            continue
        for k in ("name", "pattern"):
            if not isinstance(rule.get(k), str) or not rule.get(k):
                errors.append(f"{where}: missing '{k}'")
        if rule.get("category", "secret") not in CATEGORIES:
            errors.append(f"{where}: unknown category {rule.get('category')!r}")
        if (rule.get("validate") or "none") not in VALIDATORS:
            errors.append(f"{where}: unknown validate {rule.get('validate')!r}")
        kws = rule.get("keywords") or []
        if not kws:
            errors.append(f"{where}: no keywords")
        for k in kws:
            if not isinstance(k, str):
                errors.append(f"{where}: keyword {k!r} is not a string (quote it)")
                continue
            if k != k.lower():
                errors.append(f"{where}: keyword {k!r} is not lower-case")
            if len(k.encode()) < 3 and not rule.get("slow"):
                errors.append(f"{where}: keyword {k!r} is shorter than 3 bytes (mark the rule slow: true)")
        if not isinstance(rule.get("pattern"), str):
            continue
        if "(?<secret>" not in rule["pattern"] and "(?P<secret>" not in rule["pattern"]:
            errors.append(f"{where}: pattern has no (?<secret>...) group")
        for g in re.findall(r"\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>", rule["pattern"]):
            if g != "secret":
                errors.append(f"{where}: named group '{g}': only `secret` may be named")
        try:
            compiled = compile_pattern(rule["pattern"])
        except Exception as e:
            errors.append(f"{where}: {e}")
            continue
        if hs_check:
            msg = hs_check(rule["pattern"])
            if msg:
                warnings.append(f"{where}: vectorscan (prefilter mode) rejects the pattern: {msg}")
        m, n = example_list(rule, "match"), example_list(rule, "no_match")
        if len(m) < 2 or len(n) < 2:
            errors.append(f"{where}: needs >= 2 match and >= 2 no_match examples ({len(m)}/{len(n)})")
        for ex in m:
            found, problems = secret_findings(rule, compiled, ex["text"])
            errors += [f"{where}: {p}" for p in problems]
            if not found:
                errors.append(f"{where}: match example finds nothing: {ex['text'][:90]!r}")
            elif "secret" in ex and ex["secret"] not in found:
                errors.append(f"{where}: match example captured {found} instead of {ex['secret']!r}")
            else:
                lowest = min(entropy(s.encode()) for s in found)
                if rule.get("min_entropy") and lowest < float(rule["min_entropy"]) + 0.1:
                    warnings.append(f"{where}: example secret entropy {lowest:.2f} is close to min_entropy")
        for ex in n:
            found, problems = secret_findings(rule, compiled, ex["text"])
            if found:
                errors.append(f"{where}: no_match example finds {found}: {ex['text'][:90]!r}")
        stats["secret"] += 1

    for rule in doc.get("config_rules") or []:
        where = common(rule, "config rule", CONFIG_KEYS)
        if where is None:
            continue
        if not rule.get("globs"):
            errors.append(f"{where}: no globs")
        if rule.get("category", "sensitive-config") not in CATEGORIES:
            errors.append(f"{where}: unknown category {rule.get('category')!r}")
        for g in (rule.get("globs") or []) + (rule.get("exclude_globs") or []):
            if g != g.lower():
                errors.append(f"{where}: glob {g!r} is not lower-case (paths are lower-cased before matching)")
        compiled = None
        if rule.get("content"):
            if "(?<secret>" not in rule["content"]:
                errors.append(f"{where}: content has no (?<secret>...) group")
            try:
                compiled = compile_pattern(rule["content"])
            except Exception as e:
                errors.append(f"{where}: {e}")
                continue
        m, n = example_list(rule, "match"), example_list(rule, "no_match")
        if len(m) < 2 or len(n) < 2:
            errors.append(f"{where}: needs >= 2 match and >= 2 no_match examples ({len(m)}/{len(n)})")
        for ex in m:
            if "path" not in ex:
                errors.append(f"{where}: example without path")
                continue
            if not config_finding(rule, compiled, ex["path"], ex.get("text", "")):
                errors.append(f"{where}: match example finds nothing: {ex['path']}: {ex.get('text', '')[:70]!r}")
        for ex in n:
            if "path" not in ex:
                errors.append(f"{where}: example without path")
                continue
            if config_finding(rule, compiled, ex["path"], ex.get("text", "")):
                errors.append(f"{where}: no_match example finds: {ex['path']}: {ex.get('text', '')[:70]!r}")
        stats["config"] += 1
    return errors, warnings


def main(argv):
    if len(argv) >= 2 and argv[1] == "--github-token":
        print(github_token(argv[2], argv[3]))
        return 0
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = argv[1:] or sorted(globmod.glob(os.path.join(root, "Patterns", "secrets-*.yaml")) +
                               globmod.glob(os.path.join(root, "Patterns", "sensitive-*.yaml")))
    hs_check = make_hs_check()
    seen, stats = {}, {"secret": 0, "config": 0}
    errors, warnings = [], []
    for f in files:
        e, w = check_file(f, seen, hs_check, stats)
        errors += e
        warnings += w
    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("error:", e)
    print(f"check-rules ({ENGINE}{', vectorscan' if hs_check else ''}): {len(files)} files, "
          f"{stats['secret']} secret rules, {stats['config']} config rules, "
          f"{len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
