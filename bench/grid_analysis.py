#!/usr/bin/python3
"""Replays model selection for sub-grids of a grid study (bench/grid_points.cpp output).

    /usr/bin/python3 bench/grid_analysis.py POINTS_DIR [--grid "name=v1,v2; name=v3"] ...

For each sub-grid (the built-in candidates, or those given with --grid) and each data set it picks
the point cross-validation picks (highest cv_score; ties to the smaller C or larger alpha, then the
earlier point: rntk's rule) and reports the mean test accuracy of those picks over all data sets,
the variable-length and the fixed-length ones, with the number of points and of kernel passes (the
cost). "oracle" rows give the mean of the best test accuracy in the sub-grid: what a perfect choice
would reach, for scale only.
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
    return "rnn" if kernel in ("ntk", "nngp") else "mlp" if kernel.startswith("mlp") else "flat"


def regularisation(row):
    """Larger is more regularised: smaller C (SVM) or larger alpha (ridge)."""
    return -float(row["C"]) if row["learner"] == "svm" else float(row["alpha"])


def replay(rows_by_set, grid):
    picked, oracle, variable, points, passes = [], [], [], set(), set()
    for name, rows in rows_by_set.items():
        mine = [r for r in rows if all(r[k] in v for k, v in grid.items())]
        if not mine:
            return None
        best = max(mine, key=lambda r: (float(r["cv_score"]), regularisation(r), -int(r["point"])))
        picked.append(float(best["test_score"]))
        oracle.append(max(float(r["test_score"]) for r in mine))
        variable.append(rows[0]["variable_length"] == "yes")
        points.update(r["point"] for r in mine)
        passes.update((r["activation"], r["sigma_w"], r["sigma_u"], r["sigma_b"], family(r["kernel"])) for r in mine)
    mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")
    var = [a for a, v in zip(picked, variable) if v]
    fixed = [a for a, v in zip(picked, variable) if not v]
    return mean(picked), mean(var), mean(fixed), mean(oracle), len(points), len(passes)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("points", help="the folder of per-data-set CSV files of bench/grid_points.cpp")
    parser.add_argument("--grid", action="append", default=[], help="a sub-grid to replay (repeatable)")
    args = parser.parse_args()
    rows_by_set = defaultdict(list)
    for path in sorted(pathlib.Path(args.points).glob("*.csv")):
        for row in csv.DictReader(open(path)):
            rows_by_set[row["dataset"]].append(row)
    grids = {g: g for g in args.grid} if args.grid else CANDIDATES
    print(f"{len(rows_by_set)} data sets")
    print(f"| sub-grid | mean accuracy | variable-length | fixed-length | oracle | points | passes |")
    print("|---|---|---|---|---|---|---|")
    for label, spec in grids.items():
        result = replay(rows_by_set, parse(spec))
        if result is None:
            print(f"| {label} | (no points on some data set) |")
            continue
        acc, var, fixed, oracle, points, passes = result
        print(f"| {label} | {acc:.4f} | {var:.4f} | {fixed:.4f} | {oracle:.4f} | {points} | {passes} |")


if __name__ == "__main__":
    sys.exit(main())
