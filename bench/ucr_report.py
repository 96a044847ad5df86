#!/usr/bin/python3
"""Markdown tables from the CSV of `rntk ucr` (docs/RESULTS.md is made with it).

    /usr/bin/python3 bench/ucr_report.py results.csv [--against rntk] [--margin 0.03] [--scatter FILE.png]

Prints the summary (mean accuracy over all, fixed-length and variable-length sets, mean rank,
wins / ties / losses of one method against each other, and the statistics of time-series
classification papers below), the sets where that method wins or loses by more than a margin against
each other method, and the per-set accuracies.

- mean rank: the Friedman ranks, 1 for the best method on a set, tied methods sharing the mean rank;
- P90, P95: the share of sets where a method reaches 90 % (95 %) of the best accuracy on the set;
- PMA: the mean over the sets of a method's accuracy as a percentage of the best on the set;
- Wilcoxon p: the two-sided Wilcoxon signed-rank test of the method against each other over the
  sets (scipy.stats.wilcoxon, sets with equal accuracies dropped); "-" when all are equal.

--scatter draws one point per set: the method's accuracy against the best of the other methods.
"""

import argparse
import csv
import sys
from collections import defaultdict


def ranks(values):
    return [sum(w > v for w in values) + (sum(w == v for w in values) + 1) / 2 for v in values]


def share_of_best(acc, sets, m, fraction):
    return sum(acc[s][m] >= fraction * max(acc[s].values()) for s in sets) / len(sets)


def percent_of_best(acc, sets, m):
    # A set where every method scores 0 counts as 100 % for each.
    return sum(100 * acc[s][m] / max(acc[s].values()) if max(acc[s].values()) > 0 else 100 for s in sets) / len(sets)


def wilcoxon_p(acc, sets, a, m):
    from scipy.stats import wilcoxon
    # Dropping equal pairs here is scipy's zero_method="wilcox", and lets it use the exact
    # distribution on few sets.
    differences = [acc[s][a] - acc[s][m] for s in sets if acc[s][a] != acc[s][m]]
    return f"{wilcoxon(differences).pvalue:.2g}" if differences else "-"


def scatter(acc, sets, a, others, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x = [acc[s][a] for s in sets]
    y = [max(acc[s][m] for m in others) for s in sets]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8)
    ax.scatter(x, y, s=14)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel(f"{a} accuracy")
    ax.set_ylabel(f"best of {', '.join(others)}")
    wins, losses = sum(u > v for u, v in zip(x, y)), sum(u < v for u, v in zip(x, y))
    ax.set_title(f"{len(sets)} sets: {a} better on {wins}, worse on {losses}\n(above the line: the others win)")
    fig.tight_layout()
    fig.savefig(path, dpi=150)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv")
    parser.add_argument("--against", help="the method compared with the others (default: the first in the CSV)")
    parser.add_argument("--margin", type=float, default=0.03)
    parser.add_argument("--scatter", metavar="FILE.png", help="plot the method against the best of the others")
    args = parser.parse_args()
    rows = list(csv.DictReader(open(args.csv)))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    if args.against is None:
        args.against = methods[0]
    if args.scatter and len(methods) < 2:
        sys.exit("ucr_report.py: --scatter needs at least two methods in the CSV")
    if args.against not in methods:
        sys.exit(f"ucr_report.py: --against {args.against}: not in the CSV; its methods are {', '.join(methods)}")
    acc = defaultdict(dict)
    info = {}
    for r in rows:
        acc[r["dataset"]][r["method"]] = float(r["test_accuracy"])
        info[r["dataset"]] = r
    incomplete = sorted(s for s in acc if len(acc[s]) != len(methods))
    if incomplete:
        print(f"ucr_report.py: left out {len(incomplete)} sets without every method: {', '.join(incomplete)}",
              file=sys.stderr)
    sets = sorted(s for s in acc if s not in incomplete)
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
    print("| P90 (share of sets at >= 90 % of the best) | " + " | ".join(f"{share_of_best(acc, sets, m, 0.9):.3f}" for m in methods) + " |")
    print("| P95 (share of sets at >= 95 % of the best) | " + " | ".join(f"{share_of_best(acc, sets, m, 0.95):.3f}" for m in methods) + " |")
    print("| PMA (mean % of the best accuracy) | " + " | ".join(f"{percent_of_best(acc, sets, m):.2f}" for m in methods) + " |")
    print(f"| {a}: Wilcoxon signed-rank p | " + " | ".join("-" if m == a else wilcoxon_p(acc, sets, a, m) for m in methods) + " |")
    if args.scatter:
        scatter(acc, sets, a, [m for m in methods if m != a], args.scatter)
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
