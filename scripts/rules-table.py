#!/usr/bin/env python3
"""Regenerates the table of built-in rules at the end of docs/rules.md.

    scripts/rules-table.py [FERRET]

Rows come from `ferret rules list --json` (FERRET defaults to target/debug/ferret) in the
order of the rule files (sorted by name, rules in file order); the provider is the rule's
first tag, the file is the one under rules/ that defines the id.
"""
import json
import pathlib
import subprocess
import sys
import tomllib

root = pathlib.Path(__file__).resolve().parent.parent
ferret = sys.argv[1] if len(sys.argv) > 1 else str(root / "target/debug/ferret")
rules = json.loads(subprocess.run([ferret, "rules", "list", "--json"], check=True,
                                  capture_output=True, text=True).stdout)
by_id = {r["id"]: r for r in rules}
rows = []
for path in sorted((root / "rules").glob("*.toml")):
    for rule in tomllib.loads(path.read_text()).get("rules", []):
        r = by_id.pop(rule["id"])
        provider = r["tags"][0] if r["tags"] else ""
        verify = "yes" if r.get("verify") else "no"
        rows.append(f"| `{r['id']}` | {provider} | {r['severity']} | {verify} | "
                    f"{r['description'].replace('|', '/')} | {path.name} |")
if by_id:
    sys.exit(f"rules-table: rules in no file under rules/: {', '.join(sorted(by_id))}")

doc = root / "docs/rules.md"
text = doc.read_text()
head, marker, _ = text.partition("## Built-in rules\n")
if not marker:
    sys.exit("rules-table: docs/rules.md has no '## Built-in rules' section")
intro = ("\nGenerated from `ferret rules list --json` by `scripts/rules-table.py`; the provider "
         "is the rule's first tag.\n\n| id | provider | severity | verify | description | file |\n"
         "|---|---|---|---|---|---|\n")
doc.write_text(head + marker + intro + "\n".join(rows) + "\n")
print(f"docs/rules.md: {len(rows)} rules")
