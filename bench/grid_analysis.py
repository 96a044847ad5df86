#!/usr/bin/python3
"""Replays model selection for sub-grids of a grid study (bench/grid_points.cpp output).

    /usr/bin/python3 bench/grid_analysis.py POINTS_DIR [POINTS_DIR ...] [--grid "name=v1,v2; name=v3"]
                                            [--repeats K] [--per-set]

For each sub-grid (the built-in candidates, or those given with --grid) and each data set it picks
the point cross-validation picks (highest cv_score; ties to the smaller C or larger alpha, then the
earlier point: rntk's rule) and reports the mean test accuracy of those picks over all data sets,
the variable-length and the fixed-length ones, with the number of points and of kernel passes (the
cost). "oracle" rows give the mean of the best test accuracy in the sub-grid: what a perfect choice
would reach, for scale only.

Several folders (studies of different grids on the same data sets) are replayed as one grid over
the data sets they all cover. --repeats K scores each point by the mean of its first K
cross-validation repeats (studies run with repeats >= K); --per-set lists each set's pick.
"""

import argparse
import csv
import pathlib
import sys
from collections import defaultdict

CANDIDATES = {
    "all points": "",
    "relu only": "activation=relu",
    "erf only": "activation=erf",
    "ntk only": "kernel=ntk",
    "nngp only": "kernel=nngp",
    "cosine on": "cosine=true",
    "cosine off": "cosine=false",
    "L=1": "layers=1",
    "L<=2": "layers=1,2",
    "sigma_w=sqrt2": "sigma_w=1.4142135623730951",
    "sigma_w<=1.2": "sigma_w=1,1.2",
    "sigma_u<=0.5": "sigma_u=0.1,0.25,0.5",
    "sigma_u>=0.5": "sigma_u=0.5,1,2",
    "C<=1000": "C=0.1,1,10,100,1000",
}


def parse(spec):
    grid = {}
    for axis in filter(None, (a.strip() for a in spec.split(";"))):
        name, values = axis.split("=", 1)
        grid[name.strip()] = {v.strip() for v in values.split(",")}
    return grid


def family(kernel):
    """Kernels computed by one pass: a network's NTK and NNGP; all baselines."""
    return "rnn" if kernel in ("ntk", "nngp", "ntk+nngp") else "mlp" if kernel.startswith("mlp") else "flat"


# What separates kernel passes besides the family (rntk's pass_key): not the depth, sigma_v, kernel
# within the family, or the learner's parameters.
PASS_COLUMNS = ("activation", "sigma_w", "sigma_u", "sigma_b", "sigma_h", "readout", "bidirectional",
                "frozen_layers", "z_normalise", "segment", "target_length", "scales", "scale_factor")


def pass_of(row):
    return (family(row["kernel"]),) + tuple(row.get(c, "") for c in PASS_COLUMNS)


def score(row, repeats):
    if not repeats:
        return float(row["cv_score"])
    runs = [float(v) for v in row["cv_repeats"].split()][:repeats]
    if len(runs) < repeats:
        raise SystemExit(f"{row['dataset']}: point {row['point']} has {len(runs)} repeats, --repeats {repeats}")
    return sum(runs) / len(runs)


def regularisation(row):
    """Larger is more regularised: smaller C (SVM) or larger alpha (ridge)."""
    return -float(row["C"]) if row["learner"] == "svm" else float(row["alpha"])


def replay(rows_by_set, grid, repeats=0, per_set=None):
    picked, oracle, variable, points, passes = [], [], [], set(), set()
    for name, rows in rows_by_set.items():
        mine = [r for r in rows if all(r[k] in v for k, v in grid.items())]
        if not mine:
            return None
        best = max(mine, key=lambda r: (score(r, repeats), regularisation(r), -int(r["point"])))
        picked.append(float(best["test_score"]))
        oracle.append(max(float(r["test_score"]) for r in mine))
        variable.append(rows[0]["variable_length"] == "yes")
        points.update(r["point"] for r in mine)
        passes.update(pass_of(r) for r in mine)
        if per_set is not None:
            per_set.append((name, float(best["test_score"]), oracle[-1]))
    mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")
    var = [a for a, v in zip(picked, variable) if v]
    fixed = [a for a, v in zip(picked, variable) if not v]
    return mean(picked), mean(var), mean(fixed), mean(oracle), len(points), len(passes)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("points", nargs="+", help="folders of per-data-set CSV files of bench/grid_points.cpp")
    parser.add_argument("--grid", action="append", default=[], help="a sub-grid to replay (repeatable)")
    parser.add_argument("--repeats", type=int, default=0, help="score points by their first K CV repeats")
    parser.add_argument("--per-set", action="store_true", help="list each data set's pick and oracle")
    args = parser.parse_args()
    rows_by_set = defaultdict(list)
    covered = None
    for study, folder in enumerate(args.points):
        names = set()
        for path in sorted(pathlib.Path(folder).glob("*.csv")):
            for row in csv.DictReader(open(path)):
                # Points of later studies come after those of earlier ones in grid order.
                row["point"] = str(study * 1_000_000 + int(row["point"]))
                rows_by_set[row["dataset"]].append(row)
                names.add(row["dataset"])
        covered = names if covered is None else covered & names
    rows_by_set = {n: rows_by_set[n] for n in sorted(covered)}
    grids = {g: g for g in args.grid} if args.grid else CANDIDATES
    print(f"{len(rows_by_set)} data sets")
    print(f"| sub-grid | mean accuracy | variable-length | fixed-length | oracle | points | passes |")
    print("|---|---|---|---|---|---|---|")
    for label, spec in grids.items():
        per_set = [] if args.per_set else None
        result = replay(rows_by_set, parse(spec), args.repeats, per_set)
        if result is None:
            print(f"| {label} | (no points on some data set) |")
            continue
        acc, var, fixed, oracle, points, passes = result
        print(f"| {label} | {acc:.4f} | {var:.4f} | {fixed:.4f} | {oracle:.4f} | {points} | {passes} |")
        for name, picked, best in per_set or []:
            print(f"|   {name} | {picked:.4f} | | | {best:.4f} | | |")


if __name__ == "__main__":
    sys.exit(main())
