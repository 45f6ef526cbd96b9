#!/usr/bin/env python3
"""Prints gitleaks' default rules (the TOML config embedded in its binary) as the TSV that
moat-bench-match reads: id, keywords (comma-separated), multiline 0/1, slow 0/1, pattern.
Rules without keywords are marked slow. For benchmarks only; nothing of it is committed."""
import re
import sys
import tomllib

data = open(sys.argv[1], 'rb').read()
start = data.index(b'title = "gitleaks config"')
end = data.find(b'\x00', start)
text = data[start:end].decode('utf-8', 'replace')
# The embedded text is followed by other strings: keep whole [[rules]] tables that parse.
blocks = re.split(r'\n(?=\[\[rules\]\])', text)
for block in blocks[1:]:
    try:
        rule = tomllib.loads(block)['rules'][0]
    except Exception:
        continue
    regex = rule.get('regex')
    if not regex:
        continue
    keywords = [k for k in rule.get('keywords', []) if '\t' not in k and ',' not in k]
    slow = 0 if any(len(k.encode()) >= 3 for k in keywords) else 1
    multiline = 1 if 'PRIVATE' in regex and 'KEY' in regex else 0
    print('\t'.join([rule['id'], ','.join(keywords), str(multiline), str(slow), regex.replace('\n', '')]))
