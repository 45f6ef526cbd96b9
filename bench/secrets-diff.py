#!/usr/bin/env python3
"""Differential secrets benchmark: moat against the peers on the peers' own labelled examples.

Reads the peers' public repositories (bare mirrors or clones, fetched at bench time by
bench/secrets-diff.sh; nothing of them is committed), extracts their labelled examples, places
each one in a realistic file (by the language or format it looks like), runs moat and every
available peer binary on the same directory, and prints recall and false positives per source and
per family, plus the values some peer finds that moat misses (and the reverse).

Sources (true = a peer's positive example, false = its negative example):
  gitleaks     cmd/generate/config/rules/*.go   tps / fps (literals, NewSecret(...) expanded,
                                                GenerateSampleSecrets placed in 4 contexts)
  kingfisher   data/rules/*.yml                 examples / negative_examples
  noseyparker  crates/noseyparker/data/default/builtin/rules/*.yml   same
  trufflehog   pkg/detectors/**/*_test.go       pattern tests: input with non-empty want / empty want
  credsweeper  tests/samples/*                  whole files; true = lines in tests/data/output.json,
                                                false = extra candidates of no_filters_no_ml.json

Usage: secrets-diff.py build MIRRORS OUT      (writes OUT/files/... and OUT/labels.json)
       secrets-diff.py score OUT [--moat BIN] [--tools DIR]   (runs the tools, prints, writes OUT/report.md)
Secrets are never printed whole: missed values are shown as a 4-character preview and a length.
"""
import json
import os
import random
import re
import subprocess
import sys
from collections import defaultdict

try:
    import re._parser as sre_parse  # Python >= 3.11
    import re._constants as sre_c
except ImportError:  # pragma: no cover
    import sre_parse
    import sre_constants as sre_c

RNG = random.Random(20261206)

# --------------------------------------------------------------------------- helpers


def git_show(repo, path):
    return subprocess.run(['git', '--git-dir', repo, 'show', 'HEAD:' + path], capture_output=True).stdout.decode('utf-8', 'replace')


def git_ls(repo, under):
    out = subprocess.run(['git', '--git-dir', repo, 'ls-tree', '-r', '--name-only', 'HEAD', under], capture_output=True).stdout.decode()
    return [l for l in out.splitlines() if l]


def gen_from_regex(rx, limit=60):
    """A random string matching a (Go/Python-compatible) regex, or None."""
    try:
        tree = sre_parse.parse(rx)
    except Exception:
        return None
    alnum = [chr(c) for c in range(48, 58)] + [chr(c) for c in range(65, 91)] + [chr(c) for c in range(97, 123)]

    def walk(items):
        out = []
        for op, av in items:
            if op == sre_c.LITERAL:
                out.append(chr(av))
            elif op == sre_c.NOT_LITERAL:
                out.append('x' if chr(av) != 'x' else 'y')
            elif op == sre_c.ANY:
                out.append(RNG.choice(alnum))
            elif op == sre_c.IN:
                chars = []
                neg = False
                for o, a in av:
                    if o == sre_c.NEGATE:
                        neg = True
                    elif o == sre_c.LITERAL:
                        chars.append(chr(a))
                    elif o == sre_c.RANGE:
                        chars.extend(chr(c) for c in range(a[0], a[1] + 1))
                    elif o == sre_c.CATEGORY:
                        if a == sre_c.CATEGORY_DIGIT:
                            chars.extend('0123456789')
                        elif a == sre_c.CATEGORY_WORD:
                            chars.extend(alnum + ['_'])
                        elif a == sre_c.CATEGORY_SPACE:
                            chars.append(' ')
                        else:
                            chars.extend(alnum)
                if neg:
                    chars = [c for c in alnum if c not in chars]
                out.append(RNG.choice(chars or alnum))
            elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
                lo, hi, sub = av
                hi = lo + 8 if hi == sre_c.MAXREPEAT else hi
                n = lo if lo == hi else RNG.randint(lo, min(hi, max(lo, limit)))
                for _ in range(n):
                    out.append(walk(sub))
            elif op == sre_c.SUBPATTERN:
                out.append(walk(av[-1]))
            elif op == sre_c.BRANCH:
                out.append(walk(RNG.choice(av[1])))
            elif op == sre_c.CATEGORY:
                out.append(RNG.choice('0123456789') if av == sre_c.CATEGORY_DIGIT else RNG.choice(alnum))
            elif op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
                pass
            else:
                raise ValueError(op)
        return ''.join(out)
    try:
        return walk(tree)
    except Exception:
        return None


# --------------------------------------------------------------------------- Go literal evaluator

GO_TOKEN = re.compile(r'\s*(?:(?P<raw>`[^`]*`)|(?P<str>"(?:[^"\\\n]|\\.)*")|(?P<plus>\+)|(?P<comma>,)|(?P<lp>\()|(?P<rp>\))|(?P<ident>[A-Za-z_][A-Za-z0-9_.]*)|(?P<num>\d+))', re.S)


def go_unquote(tok):
    if tok.startswith('`'):
        return tok[1:-1]
    body = tok[1:-1]
    try:
        return body.encode('latin-1', 'backslashreplace').decode('unicode_escape')
    except Exception:
        return None


UTIL_CLASSES = {
    'utils.Hex': '[0-9a-f]{%s}', 'utils.AlphaNumeric': '[a-zA-Z0-9]{%s}', 'utils.Numeric': '[0-9]{%s}',
    'utils.AlphaNumericExtended': '[a-zA-Z0-9=_\\-]{%s}', 'utils.AlphaNumericExtendedShort': '[a-zA-Z0-9_\\-]{%s}',
    'utils.AlphaNumericExtendedLong': '[a-zA-Z0-9\\-_.=]{%s}', 'utils.Hex8_4_4_4_12': '[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}',
}


class GoEval:
    """Evaluates simple Go string expressions: literals, +, identifiers bound to literals,
    fmt.Sprintf, strings.Repeat, secrets.NewSecret / newPlausibleSecret (random from the regex)."""

    def __init__(self, env):
        self.env = env

    def parse(self, text, i=0):
        toks = []
        pos = i
        depth = 0
        while True:
            m = GO_TOKEN.match(text, pos)
            if not m:
                break
            kind = m.lastgroup
            if kind == 'comma' and depth == 0:
                break
            if kind == 'rp' and depth == 0:
                break
            if kind == 'lp':
                depth += 1
            if kind == 'rp':
                depth -= 1
            toks.append((kind, m.group(kind)))
            pos = m.end()
        return toks, pos

    def eval_tokens(self, toks):
        val, rest = self.expr(toks)
        if rest:
            raise ValueError('trailing')
        return val

    def expr(self, toks):
        val, toks = self.term(toks)
        while toks and toks[0][0] == 'plus':
            nxt, toks = self.term(toks[1:])
            val += nxt
        return val, toks

    def args(self, toks):
        out = []
        toks = toks[1:]  # (
        while toks and toks[0][0] != 'rp':
            v, toks = self.expr(toks)
            out.append(v)
            if toks and toks[0][0] == 'comma':
                toks = toks[1:]
        return out, toks[1:]

    def term(self, toks):
        if not toks:
            raise ValueError('empty')
        kind, text = toks[0]
        if kind in ('raw', 'str'):
            v = go_unquote(text)
            if v is None:
                raise ValueError('bad literal')
            return v, toks[1:]
        if kind == 'num':
            return text, toks[1:]
        if kind == 'ident':
            if len(toks) > 1 and toks[1][0] == 'lp':
                args, rest = self.args(toks[1:])
                return self.call(text, args), rest
            if text in self.env:
                return self.env[text], toks[1:]
            raise ValueError('unknown ident ' + text)
        raise ValueError('unexpected ' + kind)

    def call(self, name, args):
        if name in UTIL_CLASSES:
            return UTIL_CLASSES[name] % tuple(args[:UTIL_CLASSES[name].count('%s')])
        if name in ('secrets.NewSecret', 'newPlausibleSecret', 'secrets.NewSecretWithEntropy'):
            s = gen_from_regex(args[0])
            if s is None:
                raise ValueError('regex')
            return s
        if name == 'fmt.Sprintf':
            fmt = args[0]
            vals = list(args[1:])
            return re.sub(r'%[-+# 0-9.]*[svqdx]', lambda m: str(vals.pop(0)) if vals else '', fmt)
        if name == 'strings.Repeat':
            return args[0] * int(args[1])
        if name == 'string':
            return args[0]
        raise ValueError('call ' + name)


def go_bindings(src):
    """name = <literal> bindings (var/const blocks and := at any level) whose value evaluates."""
    env = {}
    for m in re.finditer(r'(?m)^\s*(?:var\s+|const\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:string\s*)?(?::=|=)\s*', src):
        name = m.group(1)
        toks, _ = GoEval(env).parse(src, m.end())
        # stop at end of line unless the expression continues with +
        try:
            env[name] = GoEval(env).eval_tokens(toks)
        except Exception:
            pass
    return env


def go_list_elements(src, start):
    """The elements of a Go composite literal {...} starting at src[start] == '{'."""
    i = start + 1
    elems = []
    cur = []
    depth = 0
    while i < len(src):
        c = src[i]
        if c == '`':
            j = src.index('`', i + 1)
            cur.append(src[i:j + 1]); i = j + 1; continue
        if c == '"':
            j = i + 1
            while src[j] != '"':
                j += 2 if src[j] == '\\' else 1
            cur.append(src[i:j + 1]); i = j + 1; continue
        if c == '/' and src[i:i + 2] == '//':
            j = src.find('\n', i)
            i = j if j >= 0 else len(src); continue
        if c in '({[':
            depth += 1
        elif c in ')}]':
            if depth == 0:
                if ''.join(cur).strip():
                    elems.append(''.join(cur))
                return elems, i + 1
            depth -= 1
        elif c == ',' and depth == 0:
            elems.append(''.join(cur)); cur = []; i += 1; continue
        cur.append(c)
        i += 1
    return elems, i


def eval_go(text, env):
    ev = GoEval(env)
    toks, _ = ev.parse(text.strip())
    return ev.eval_tokens(toks)


# --------------------------------------------------------------------------- contexts

SAMPLE_CONTEXTS = [
    ('py', '{i}_token = "{s}"\n'),
    ('yaml', '{i}:\n  token: {s}\n'),
    ('go', 'package main\n\nvar {i}Token = "{s}"\n'),
    ('json', '{{\n  "{i}_token": "{s}"\n}}\n'),
]


def guess_ext(text):
    t = text.strip()
    if '-----BEGIN' in t and '\n' in t and not re.search(r'["\']', t.split('-----BEGIN')[0]):
        return 'pem'
    if t.startswith('{') or t.startswith('['):
        try:
            json.loads(t); return 'json'
        except Exception:
            pass
    if re.search(r'^\s*(package |func |import \(|[a-zA-Z_]\w*\s*:=)', t, re.M):
        return 'go'
    if re.search(r'^\s*(const|let|var)\s+\w+\s*=|=>|require\(|module\.exports', t, re.M):
        return 'js'
    if re.search(r'(public|private|static)\s+\w|String\s+\w+\s*=|;\s*$', t, re.M):
        return 'java'
    if re.search(r'^\s*(export\s+\w+=|curl |\$ |#!/)', t, re.M):
        return 'sh'
    if re.search(r'^\s*(ENV|ARG|RUN|FROM)\s', t, re.M):
        return 'Dockerfile'
    if re.search(r'^\s*(def |import |from \w+ import|\w+\s*=\s*["\'])', t, re.M):
        return 'py'
    if re.search(r'^\s*[A-Z][A-Z0-9_]*=\S', t, re.M):
        return 'env'
    if re.search(r'^\s*[\w.-]+:\s+\S', t, re.M):
        return 'yaml'
    if re.search(r'^\s*<', t):
        return 'xml'
    if re.search(r'^\s*\[[\w.-]+\]\s*$', t, re.M) or re.search(r'^\s*[\w.-]+\s*=\s*\S', t, re.M):
        return 'ini'
    return 'txt'


# --------------------------------------------------------------------------- families

VENDOR_FAMILIES = [
    ('github', r'github'),
    ('gitlab', r'gitlab'),
    ('slack-webhook', r'slack.*webhook|webhook.*slack'),
    ('slack', r'slack'),
    ('teams-webhook', r'\bteams\b|msteams|office.?365.?webhook|microsoftteams'),
    ('hashicorp', r'hashicorp|\bvault\b|terraform|\bhcp\b|consul|nomad'),
    ('facebook', r'facebook|\bfb\b'),
    ('snyk', r'snyk'),
    ('sidekiq', r'sidekiq'),
    ('salesforce', r'salesforce'),
    ('new-relic', r'new.?relic|nrak|nrjs'),
    ('stripe', r'stripe'),
    ('azure-storage', r'azure.?storage|storage.?account|azurestorage|accountkey'),
    ('aws', r'\baws|amazon'),
    ('gcp', r'google|\bgcp|gcloud'),
    ('azure', r'azure'),
    ('jwt', r'\bjwt\b'),
    ('private-key', r'private.?key|privkey|\bpem\b|pkcs|pgp|ssh.*key|putty|openssh'),
    ('url-basic-auth', r'\buri\b|url.?cred|basic.?auth|http.*auth|credential.?uri|curl|\bftp\b|\bldap\b|netrc'),
    ('connection-string', r'postgres|mysql|mongo|redis|amqp|rabbit|jdbc|odbc|sqlserver|mssql|connection.?str|connstr|maria|\bdsn\b|\bsql\b'),
]
TAIL = r'1password|onepassword|pscale|planetscale'
GENERIC_PASSWORD = r'(^|\W)(generic.?password|password|passwd|pwd|passw|credentials? pair|username and password)'
GENERIC_SECRET = r'generic|^(secret|token|key|api|auth|credential|nonce|salt|bearer|seed|certificate|cmd \w+)( \w+)?$'


def family_of(name):
    n = name.lower().replace('_', ' ').replace('-', ' ').strip()
    if re.search(TAIL, n):
        return 'long-tail'
    for fam, rx in VENDOR_FAMILIES:
        if re.search(rx, n):
            return fam
    if re.search(GENERIC_PASSWORD, n):
        return 'generic-password'
    if re.search(GENERIC_SECRET, n):
        return 'generic-secret'
    return 'long-tail'


# --------------------------------------------------------------------------- sources


class Builder:
    def __init__(self, out):
        self.out = out
        self.labels = []
        self.n = 0

    def add(self, source, rule, text, label, ext=None, secret=None):
        if not text or not text.strip() or len(text) > 20000:
            return
        ext = ext or guess_ext(text)
        self.n += 1
        fam = family_of(rule)
        d = os.path.join('files', source, re.sub(r'[^A-Za-z0-9_.-]', '_', fam))
        name = ('Dockerfile.%d' % self.n) if ext == 'Dockerfile' else ('%d.%s' % (self.n, ext))
        if ext == 'env':
            name = '%d.env' % self.n
        rel = os.path.join(d, name)
        os.makedirs(os.path.join(self.out, d), exist_ok=True)
        with open(os.path.join(self.out, rel), 'w') as f:
            f.write(text if text.endswith('\n') else text + '\n')
        self.labels.append({'source': source, 'rule': rule, 'family': fam, 'path': rel, 'line': None,
                            'label': bool(label), 'secret': secret})


def src_gitleaks(b, repo):
    for path in git_ls(repo, 'cmd/generate/config/rules'):
        if not path.endswith('.go') or path.endswith('_test.go'):
            continue
        src = git_show(repo, path)
        env = go_bindings(src)
        for fm in re.finditer(r'func\s+(\w+)\(\)\s*\*config\.Rule\s*\{', src):
            body_end = src.find('\nfunc ', fm.end())
            body = src[fm.end(): body_end if body_end > 0 else len(src)]
            rid = re.search(r'RuleID:\s*"([^"]+)"', body)
            rule = rid.group(1) if rid else fm.group(1)
            for lm in re.finditer(r'\b(tps|fps|truePositives|falsePositives|positives|negatives)\s*(?::?=)\s*', body):
                label = lm.group(1) in ('tps', 'truePositives', 'positives')
                rest = body[lm.end():]
                pieces = []
                if rest.startswith('[]string{'):
                    elems, _ = go_list_elements(rest, rest.index('{'))
                    pieces = elems
                elif rest.startswith('append('):
                    elems, _ = go_list_elements(rest, rest.index('('))
                    pieces = [e for e in elems[1:] if e.strip()]
                elif rest.startswith('utils.GenerateSampleSecrets('):
                    pieces = [rest[:rest.index('\n')]]
                else:
                    continue
                for p in pieces:
                    p = p.strip()
                    if p.endswith('...'):
                        p = p[:-3]
                    gm = re.match(r'utils\.GenerateSampleSecrets\((.*)\)\s*$', p, re.S)
                    try:
                        if gm:
                            elems, _ = go_list_elements('(' + gm.group(1) + ')', 0)
                            ident = eval_go(elems[0], env)
                            secret = eval_go(elems[1], env)
                            for ext, tpl in SAMPLE_CONTEXTS:
                                b.add('gitleaks', rule, tpl.format(i=ident, s=secret), label, ext, secret)
                        else:
                            b.add('gitleaks', rule, eval_go(p, env), label)
                    except Exception:
                        continue


def src_yaml_rules(b, repo, under, source):
    import yaml
    for path in git_ls(repo, under):
        if not path.endswith(('.yml', '.yaml')):
            continue
        try:
            doc = yaml.safe_load(git_show(repo, path))
        except Exception:
            continue
        for r in (doc or {}).get('rules', []) or []:
            name = r.get('id') or r.get('name') or path
            fam_name = (r.get('name') or '') + ' ' + os.path.basename(path).rsplit('.', 1)[0] + ' ' + str(r.get('id', ''))
            for ex in r.get('examples', []) or []:
                if isinstance(ex, str):
                    b.add(source, fam_name, ex, True)
            for ex in r.get('negative_examples', []) or []:
                if isinstance(ex, str):
                    b.add(source, fam_name, ex, False)


def src_trufflehog(b, repo):
    for path in git_ls(repo, 'pkg/detectors'):
        if not path.endswith('_test.go') or 'integration' in path:
            continue
        src = git_show(repo, path)
        if 'input' not in src or 'want' not in src:
            continue
        env = go_bindings(src)
        det = path.split('/')[2]
        for cm in re.finditer(r'\binput:\s*', src):
            toks, end = GoEval(env).parse(src, cm.end())
            try:
                text = GoEval(env).eval_tokens(toks)
            except Exception:
                continue
            wm = re.compile(r'\bwant:\s*(nil|\[\]string\{\s*\}|\[\]string\{)').search(src, end, end + 4000)
            nxt = src.find('input:', end)
            if not wm or (0 <= nxt < wm.start()):
                continue
            label = wm.group(1) == '[]string{'
            b.add('trufflehog', det, text, label)


def src_credsweeper(b, repo):
    expected = json.loads(git_show(repo, 'tests/data/output.json'))
    candidates = json.loads(git_show(repo, 'tests/data/no_filters_no_ml.json') or '[]')
    pos = defaultdict(list)
    # One label per reported item: a PEM key is one item listing every line of the key.
    covered = set()
    for item in expected:
        ld = item['line_data_list'][0]
        pos[(ld['path'], ld['line_num'])].append((item['rule'], ld.get('value')))
        covered.update((x['path'], x['line_num']) for x in item['line_data_list'])
    neg = {}
    for item in candidates:
        ld = item['line_data_list'][0]
        k = (ld['path'], ld['line_num'])
        if k not in covered:
            neg[k] = item['rule']
    written = {}
    for (p, line), rules in sorted(pos.items()) + [(k, [(r, None)]) for k, r in sorted(neg.items())]:
        rel_src = p[2:] if p.startswith('./') else p
        if '!' in rel_src or not rel_src.startswith('tests/samples/'):
            continue
        if rel_src not in written:
            data = subprocess.run(['git', '--git-dir', repo, 'show', 'HEAD:' + rel_src], capture_output=True).stdout
            if not data or b'\0' in data[:4096] or len(data) > 200000:
                written[rel_src] = None
                continue
            base = os.path.basename(rel_src)
            dst = os.path.join('files', 'credsweeper', 'samples', base)
            os.makedirs(os.path.join(b.out, os.path.dirname(dst)), exist_ok=True)
            with open(os.path.join(b.out, dst), 'wb') as f:
                f.write(data)
            written[rel_src] = dst
        dst = written[rel_src]
        if dst is None:
            continue
        rule, value = rules[0]
        b.labels.append({'source': 'credsweeper', 'rule': rule, 'family': family_of(rule), 'path': dst, 'line': line,
                         'label': (p, line) in pos, 'secret': value})


def build(mirrors, out):
    b = Builder(out)
    def m(name):
        for cand in (os.path.join(mirrors, name.replace('/', '+'), 'repo'), os.path.join(mirrors, name.replace('/', '+') + '.git')):
            if os.path.isdir(cand):
                return cand
        return None
    if m('gitleaks/gitleaks'):
        src_gitleaks(b, m('gitleaks/gitleaks'))
    if m('mongodb/kingfisher'):
        src_yaml_rules(b, m('mongodb/kingfisher'), 'data/rules', 'kingfisher')
    if m('praetorian-inc/noseyparker'):
        src_yaml_rules(b, m('praetorian-inc/noseyparker'), 'crates/noseyparker/data/default/builtin/rules', 'noseyparker')
    if m('trufflesecurity/trufflehog'):
        src_trufflehog(b, m('trufflesecurity/trufflehog'))
    if m('Samsung/CredSweeper'):
        src_credsweeper(b, m('Samsung/CredSweeper'))
    with open(os.path.join(out, 'labels.json'), 'w') as f:
        json.dump(b.labels, f)
    counts = defaultdict(lambda: [0, 0])
    for l in b.labels:
        counts[l['source']][0 if l['label'] else 1] += 1
    for s, (t, f) in sorted(counts.items()):
        print('%-12s %5d true %5d false' % (s, t, f))


# --------------------------------------------------------------------------- tools


def run_moat(binary, root, outdir):
    out = os.path.join(outdir, 'moat.json')
    with open(out, 'w') as f:
        subprocess.run([binary, 'scan', root, '--format', 'json', '--fail-on', 'never'], stdout=f, stderr=subprocess.DEVNULL)
    try:
        doc = json.load(open(out))
    except Exception:
        with open(out, 'w') as f:
            subprocess.run([binary, 'scan', root, '--format', 'json'], stdout=f, stderr=subprocess.DEVNULL)
        doc = json.load(open(out))
    return [(x['path'], x.get('line'), x['rule']) for x in doc.get('findings', []) if x.get('kind') == 'secret']


def run_gitleaks(tools, root, outdir):
    out = os.path.join(outdir, 'gitleaks.json')
    subprocess.run([os.path.join(tools, 'gitleaks'), 'dir', '--no-banner', '--report-format', 'json', '--report-path', out, '--max-decode-depth', '5', root],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return [(os.path.relpath(x['File'], root), x['StartLine'], x['RuleID']) for x in json.load(open(out))]


def run_betterleaks(tools, root, outdir):
    out = os.path.join(outdir, 'betterleaks.json')
    env = dict(os.environ, LD_LIBRARY_PATH=tools)
    subprocess.run([os.path.join(tools, 'betterleaks'), 'fs', '--no-banner', '--output', out, root], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    doc = json.load(open(out))
    return [(os.path.relpath(x['location']['path'], root), x['location']['start_line'], x['rule_id']) for x in doc.get('findings', [])]


def run_kingfisher(tools, root, outdir):
    out = os.path.join(outdir, 'kingfisher.json')
    with open(out, 'w') as f:
        subprocess.run([os.path.join(tools, 'kingfisher'), 'scan', root, '--git-history', 'none', '--no-validate', '--no-update-check', '--no-dedup',
                        '--format', 'json'], stdout=f, stderr=subprocess.DEVNULL)
    text = open(out).read()
    doc = json.JSONDecoder().raw_decode(text)[0]
    return [(os.path.relpath(x['finding']['path'], root), x['finding']['line'], x['rule']['id']) for x in doc.get('findings', [])]


TOOLS = [('moat', None), ('gitleaks', run_gitleaks), ('betterleaks', run_betterleaks), ('kingfisher', run_kingfisher)]


def hit(label, by_path):
    found = by_path.get(label['path'], [])
    if label['line'] is None:
        return bool(found)
    line = label['line']
    pemish = label['family'] == 'private-key'
    return any(l is not None and (l == line or (pemish and l <= line <= l + 80) or (not pemish and abs(l - line) <= 0)) for l, _ in found)


def preview(s):
    if not s:
        return '?'
    return '%s… (%d chars)' % (s[:4], len(s))


def score(out, moat, tools):
    labels = json.load(open(os.path.join(out, 'labels.json')))
    root = os.path.join(out, 'files')
    results = {}
    for name, fn in TOOLS:
        try:
            if name == 'moat':
                fs = run_moat(moat, root, out)
            elif os.path.exists(os.path.join(tools, name)):
                fs = fn(tools, root, out)
            else:
                continue
        except Exception as e:
            print('%s failed: %s' % (name, e), file=sys.stderr)
            continue
        by_path = defaultdict(list)
        for p, l, r in fs:
            by_path[os.path.normpath(os.path.join('files', p))].append((l, r))
        results[name] = [hit(l, by_path) for l in labels]
    names = list(results)
    lines = []

    def table(title, key):
        groups = defaultdict(list)
        for i, l in enumerate(labels):
            groups[key(l)].append(i)
        lines.append('\n### ' + title + '\n')
        lines.append('| ' + title.split(' ')[-1] + ' | true | false | ' + ' | '.join('%s recall | %s FP' % (n, n) for n in names) + ' |')
        lines.append('|---|---:|---:|' + '---:|---:|' * len(names))
        for g in sorted(groups, key=lambda g: -len(groups[g])):
            idx = groups[g]
            t = [i for i in idx if labels[i]['label']]
            f = [i for i in idx if not labels[i]['label']]
            cells = []
            best = max((sum(results[n][i] for i in t) for n in names), default=0)
            for n in names:
                r = sum(results[n][i] for i in t)
                fp = sum(results[n][i] for i in f)
                rc = '%.1f%%' % (100.0 * r / len(t)) if t else '-'
                if n == 'moat' and t and r < best:
                    rc = '**' + rc + '**'
                cells.append('%s | %d' % (rc, fp))
            lines.append('| %s | %d | %d | %s |' % (g, len(t), len(f), ' | '.join(cells)))

    table('By source', lambda l: l['source'])
    table('By family', lambda l: l['family'])
    table('By source and family (generic families)', lambda l: l['source'] + ' / ' + l['family'] if l['family'] in ('generic-password', 'generic-secret', 'private-key', 'url-basic-auth', 'connection-string') else l['source'] + ' / other')
    tot_t = [i for i, l in enumerate(labels) if l['label']]
    tot_f = [i for i, l in enumerate(labels) if not l['label']]
    lines.append('\n### Total\n')
    for n in names:
        lines.append('- %s: recall %.1f%% (%d/%d), false positives %d/%d' % (
            n, 100.0 * sum(results[n][i] for i in tot_t) / len(tot_t), sum(results[n][i] for i in tot_t), len(tot_t),
            sum(results[n][i] for i in tot_f), len(tot_f)))
    report = '\n'.join(lines)
    print(report)
    # differences
    diff = []
    for i, l in enumerate(labels):
        peers = [n for n in names if n != 'moat' and results[n][i]]
        if l['label'] and peers and not results['moat'][i]:
            diff.append(('missed', l, peers))
        if not l['label'] and results['moat'][i]:
            diff.append(('moat-fp', l, peers))
        if l['label'] and results['moat'][i] and not peers:
            diff.append(('moat-only', l, []))
    with open(os.path.join(out, 'diff.tsv'), 'w') as f:
        for kind, l, peers in diff:
            f.write('\t'.join([kind, l['source'], l['family'], l['rule'][:60], l['path'] + (':%d' % l['line'] if l['line'] else ''), ','.join(peers), preview(l.get('secret'))]) + '\n')
    counts = defaultdict(int)
    for kind, l, _ in diff:
        counts[kind] += 1
    print('\nvalues a peer finds and moat misses: %d; moat false positives: %d; found by moat only: %d (list: %s)' % (
        counts['missed'], counts['moat-fp'], counts['moat-only'], os.path.join(out, 'diff.tsv')))
    with open(os.path.join(out, 'report.md'), 'w') as f:
        f.write(report + '\n')
    json.dump({n: results[n] for n in names}, open(os.path.join(out, 'results.json'), 'w'))


if __name__ == '__main__':
    if len(sys.argv) >= 4 and sys.argv[1] == 'build':
        os.makedirs(sys.argv[3], exist_ok=True)
        build(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == 'score':
        args = sys.argv[3:]
        moat = args[args.index('--moat') + 1] if '--moat' in args else '.build/debug/moat'
        tools = args[args.index('--tools') + 1] if '--tools' in args else 'bench/tools'
        score(sys.argv[2], moat, tools)
    else:
        print(__doc__)
        sys.exit(2)
