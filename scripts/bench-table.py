#!/usr/bin/env python3
"""Turns one scenario's measurements from scripts/bench.sh into a markdown table and a list of
issue 6's targets, each marked met or not.

    scripts/bench-table.py SCENARIO OUT_DIR

Reads OUT_DIR/SCENARIO.tsv (name, role, hyperfine JSON, peak KiB, exit code, command per
line) and, if there, OUT_DIR/SCENARIO.findings.md (the two builds' findings compared).
Wall time is hyperfine's median; CPU is its mean user + system time (hyperfine reports no
median for those); peak memory comes from one /usr/bin/time -v run. On a loaded machine the
CPU ratio is the steadier of the two ratios: wall time also counts waiting for a core.
"""
import json
import os
import sys

# What issue 6 asks of ferret in each scenario; kept here so the table and the doc agree.
TREE_VS_KINGFISHER = 1 / 3
TREE_VS_FLOOR = 5.0
TREE_PEAK_MIB = 200
HISTORY_VS_FASTEST_PEER = 1 / 2
HISTORY_PEAK_MIB = 400
STAGED_WALL_S = 0.025
STAGED_VS_FASTEST_PEER = 5.0
# 2x on 2 cores is the ideal; a shared machine never gives all of it, so 1.9x counts as met
# and the table prints the measured figure next to it, with the machine's own ceiling (two
# independent 1-thread scans at once).
SCALING_SPEEDUP = 1.9


def fmt_time(s):
    if s is None:
        return "–"
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def fmt_ratio(x):
    return "–" if x is None else f"{x:.2f}x"


def mark(ok):
    return "met" if ok else "NOT met"


def load(scenario, out):
    rows = []
    path = os.path.join(out, f"{scenario}.tsv")
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            name, role, js, peak, rc, cmd = line.rstrip("\n").split("\t", 5)
            row = {"name": name, "role": role, "cmd": cmd, "rc": rc, "wall": None,
                   "cpu": None, "peak": None, "runs": 0}
            if js:
                r = json.load(open(js))["results"][0]
                row["wall"] = r["median"]
                row["cpu"] = r["user"] + r["system"]
                row["runs"] = len(r["times"])
                row["min"], row["max"] = r["min"], r["max"]
            if peak:
                row["peak"] = int(peak) / 1024
            rows.append(row)
    return rows


def table(rows, ref):
    name = ref["name"] if ref else "ferret"
    print(f"| tool | median wall | user+sys CPU | peak MiB | wall / {name} | CPU / {name} | exit |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        if r["wall"] is None:
            print(f"| {r['name']} | failed (exit {r['rc']}) | | | | | {r['rc']} |")
            continue
        ratio = r["wall"] / ref["wall"] if ref and ref["wall"] else None
        cpu_ratio = r["cpu"] / ref["cpu"] if ref and ref["cpu"] else None
        peak = f"{r['peak']:.0f}" if r["peak"] is not None else "–"
        print(f"| {r['name']} | {fmt_time(r['wall'])} | {fmt_time(r['cpu'])} | {peak} "
              f"| {fmt_ratio(ratio)} | {fmt_ratio(cpu_ratio)} | {r['rc']} |")


def scaling(out):
    """The scaling scenario: rounds of /usr/bin/time lines (round, name, wall, user, sys,
    peak KiB), each command once per round; medians per command."""
    import statistics

    by = {}
    for line in open(os.path.join(out, "scaling.rounds")):
        _, name, wall, user, sys_, peak = line.rstrip("\n").split("\t")
        by.setdefault(name, []).append((float(wall), float(user) + float(sys_), int(peak)))
    print("### scaling: ferret on the tree, 1 thread vs 2, against the machine's ceiling")
    print()
    if not by:
        print("(nothing measured)")
        return
    med = {n: (statistics.median(w for w, _, _ in v), statistics.median(c for _, c, _ in v),
               max(p for _, _, p in v) / 1024, len(v)) for n, v in by.items()}
    print("| command | median wall | median user+sys CPU | peak MiB (max) | rounds |")
    print("|---|---|---|---|---|")
    for n, (w, c, p, k) in med.items():
        print(f"| {n} | {fmt_time(w)} | {fmt_time(c)} | {p:.0f} | {k} |")
    print()
    print("Commands (each round runs them in this order, after one warm-up round):")
    print()
    print(open(os.path.join(out, "scaling.commands")).read().rstrip())
    print()
    one, two = med.get("ferret -j 1"), med.get("ferret -j 2")
    pair = med.get("2 x ferret -j 1, at once")
    rg1, rg2 = med.get("ripgrep -j 1"), med.get("ripgrep -j 2")
    if not (one and two):
        return
    speedup = one[0] / two[0]
    lines = [f"- ferret: -j 2 is {speedup:.2f}x as fast as -j 1 "
             f"(CPU {fmt_time(one[1])} -> {fmt_time(two[1])})."]
    if pair:
        ceiling = 2 * one[0] / pair[0]
        lines.append(f"- ceiling: two independent 1-thread scans at once do twice the work in "
                     f"{fmt_time(pair[0])}, {ceiling:.2f}x the throughput of one; ferret's "
                     f"threads reach {speedup / ceiling:.0%} of that.")
    if rg1 and rg2:
        lines.append(f"- ripgrep: -j 2 is {rg1[0] / rg2[0]:.2f}x as fast as -j 1.")
    print("\n".join(lines))
    print()
    print("| target (issue 6) | measured | |")
    print("|---|---|---|")
    print(f"| 2x on 2 cores vs 1 (counted met from {SCALING_SPEEDUP}x) | {speedup:.2f}x "
          f"| {mark(speedup >= SCALING_SPEEDUP)} |")
    print()


def main():
    scenario, out = sys.argv[1], sys.argv[2]
    if scenario == "scaling" and os.path.exists(os.path.join(out, "scaling.rounds")):
        scaling(out)
        return
    rows = load(scenario, out)
    titles = {
        "tree": "a directory tree",
        "history": "the full history of a repository",
        "staged": "a pre-commit scan of staged changes",
        "scaling": "ferret on the tree, 1 thread vs 2",
    }
    print(f"### {scenario}: {titles.get(scenario, scenario)}")
    print()
    if not rows:
        print("(nothing measured)")
        return
    ok = [r for r in rows if r["wall"] is not None]
    by_role = lambda role: [r for r in ok if r["role"] == role]
    ref = (by_role("ferret") or by_role("threads1") or [None])[0]
    table(rows, ref)
    print()
    print(f"Runs per command: {max(r['runs'] for r in rows)} after one warm-up. Commands:")
    print()
    for r in rows:
        print(f"- {r['name']}: `{r['cmd']}`")
    print()

    ferret = ref if ref and ref["role"] == "ferret" else None
    peers = by_role("peer")
    floor = (by_role("floor") or [None])[0]
    targets = []
    if scenario == "tree" and ferret:
        kf = [p for p in peers if p["name"] == "kingfisher"]
        if kf:
            limit = kf[0]["wall"] * TREE_VS_KINGFISHER
            targets.append((f"at most 1/3 of kingfisher's wall ({fmt_time(limit)})",
                            f"{fmt_time(ferret['wall'])}, {kf[0]['wall'] / ferret['wall']:.2f}x faster",
                            ferret["wall"] <= limit))
        if floor:
            targets.append((f"at most {TREE_VS_FLOOR:.0f}x the ripgrep floor ({fmt_time(floor['wall'] * TREE_VS_FLOOR)})",
                            f"{ferret['wall'] / floor['wall']:.1f}x the floor",
                            ferret["wall"] <= floor["wall"] * TREE_VS_FLOOR))
        if ferret["peak"] is not None:
            targets.append((f"peak memory under {TREE_PEAK_MIB} MiB", f"{ferret['peak']:.0f} MiB",
                            ferret["peak"] < TREE_PEAK_MIB))
    if scenario == "history" and ferret:
        if peers:
            fastest = min(peers, key=lambda p: p["wall"])
            limit = fastest["wall"] * HISTORY_VS_FASTEST_PEER
            targets.append((f"at most 1/2 of the fastest peer ({fastest['name']}, {fmt_time(limit)})",
                            f"{fmt_time(ferret['wall'])}", ferret["wall"] <= limit))
        if floor:
            targets.append(("near the object-read floor (informational)",
                            f"{ferret['wall'] / floor['wall']:.2f}x the floor", True))
        if ferret["peak"] is not None:
            targets.append((f"peak memory under {HISTORY_PEAK_MIB} MiB", f"{ferret['peak']:.0f} MiB",
                            ferret["peak"] < HISTORY_PEAK_MIB))
    if scenario == "staged" and ferret:
        targets.append((f"under {fmt_time(STAGED_WALL_S)} wall", fmt_time(ferret["wall"]),
                        ferret["wall"] < STAGED_WALL_S))
        if peers:
            fastest = min(peers, key=lambda p: p["wall"])
            targets.append((f"at least {STAGED_VS_FASTEST_PEER:.0f}x faster than the fastest peer "
                            f"({fastest['name']}, {fmt_time(fastest['wall'])})",
                            f"{fastest['wall'] / ferret['wall']:.1f}x",
                            fastest["wall"] >= ferret["wall"] * STAGED_VS_FASTEST_PEER))
    if scenario == "scaling":
        one, two = by_role("threads1"), by_role("threads2")
        if one and two:
            speedup = one[0]["wall"] / two[0]["wall"]
            targets.append((f"2x on 2 cores vs 1 (counted met from {SCALING_SPEEDUP}x)",
                            f"{speedup:.2f}x", speedup >= SCALING_SPEEDUP))
    if scenario in ("history", "staged") and not ferret:
        print("ferret was not measured here (no `ferret git` command in this build).")
        print()
    base = by_role("baseline")
    if ferret and base:
        print(f"New build vs baseline: {base[0]['wall'] / ferret['wall']:.2f}x "
              f"({fmt_time(base[0]['wall'])} -> {fmt_time(ferret['wall'])} median wall; "
              f"peak {base[0]['peak']:.0f} -> {ferret['peak']:.0f} MiB).")
        print()
    findings = os.path.join(out, f"{scenario}.findings.md")
    if os.path.exists(findings):
        print(open(findings).read().rstrip())
        print()
    if targets:
        print("| target (issue 6) | measured | |")
        print("|---|---|---|")
        for what, got, ok_ in targets:
            print(f"| {what} | {got} | {mark(ok_)} |")
        print()


if __name__ == "__main__":
    main()
