#!/usr/bin/python3
"""Markdown tables from the CSV of `rntk ucr` (docs/RESULTS.md is made with it).

    /usr/bin/python3 bench/ucr_report.py results.csv [--against rntk] [--margin 0.03]

Prints the summary (mean accuracy over all, fixed-length and variable-length sets, mean rank,
wins / ties / losses of one method against each other), the sets where that method wins or loses by
more than a margin against each other method, and the per-set accuracies.
"""

import argparse
import csv
from collections import defaultdict


def ranks(values):
    return [sum(w > v for w in values) + (sum(w == v for w in values) + 1) / 2 for v in values]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv")
    parser.add_argument("--against", default="rntk", help="the method compared with the others")
    parser.add_argument("--margin", type=float, default=0.03)
    args = parser.parse_args()
    rows = list(csv.DictReader(open(args.csv)))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    acc = defaultdict(dict)
    info = {}
    for r in rows:
        acc[r["dataset"]][r["method"]] = float(r["test_accuracy"])
        info[r["dataset"]] = r
    sets = sorted(acc)
    variable = [s for s in sets if info[s]["variable_length"] == "yes"]
    fixed = [s for s in sets if s not in variable]
    mean = lambda m, ss: sum(acc[s][m] for s in ss) / len(ss)
    rank = defaultdict(float)
    for s in sets:
        for m, r in zip(methods, ranks([acc[s][m] for m in methods])):
            rank[m] += r / len(sets)
    print(f"| | {' | '.join(methods)} |")
    print("|---|" + "---|" * len(methods))
    print(f"| mean accuracy, {len(sets)} sets | " + " | ".join(f"{mean(m, sets):.4f}" for m in methods) + " |")
    print(f"| mean accuracy, {len(fixed)} fixed-length | " + " | ".join(f"{mean(m, fixed):.4f}" for m in methods) + " |")
    if variable:
        print(f"| mean accuracy, {len(variable)} variable-length | " + " | ".join(f"{mean(m, variable):.4f}" for m in methods) + " |")
    print("| mean rank (1 = best) | " + " | ".join(f"{rank[m]:.2f}" for m in methods) + " |")
    a = args.against
    print(f"| {a}: wins / ties / losses | " + " | ".join(
        "-" if m == a else "{} / {} / {}".format(sum(acc[s][a] > acc[s][m] for s in sets), sum(acc[s][a] == acc[s][m] for s in sets),
                                                sum(acc[s][a] < acc[s][m] for s in sets)) for m in methods) + " |")
    for m in methods:
        if m == a:
            continue
        wins = sorted((s for s in sets if acc[s][a] - acc[s][m] > args.margin), key=lambda s: acc[s][m] - acc[s][a])
        losses = sorted((s for s in sets if acc[s][m] - acc[s][a] > args.margin), key=lambda s: acc[s][a] - acc[s][m])
        fmt = lambda ss: ", ".join(f"{s} ({acc[s][a] - acc[s][m]:+.2f})" for s in ss) or "none"
        print(f"\n{a} ahead of {m} by more than {args.margin:.2f} on {len(wins)} sets: {fmt(wins)}.")
        print(f"\n{a} behind {m} by more than {args.margin:.2f} on {len(losses)} sets: {fmt(losses)}.")
    print(f"\n| data set | train | test | length | variable | {' | '.join(methods)} |")
    print("|---|---|---|---|---|" + "---|" * len(methods))
    for s in sets:
        best = max(acc[s].values())
        cells = [f"**{acc[s][m]:.3f}**" if acc[s][m] == best else f"{acc[s][m]:.3f}" for m in methods]
        r = info[s]
        print(f"| {s} | {r['n_train']} | {r['n_test']} | {r['length']} | {r['variable_length']} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
