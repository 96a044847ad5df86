#!/usr/bin/python3
"""The error of the float mode against double on z-normalised UCR data (docs/PERFORMANCE.md).

    PYTHONPATH=build/python /usr/bin/python3 bench/float_error.py [--archive ../shared/data/ucr]

For training sets of several lengths up to 2000 steps, ReLU and erf, L = 1, 2, 3, NTK and NNGP: the
largest error of an entry relative to the entry itself (max |K_f - K_d| / |K_d|), and relative to
the pair's scale sqrt(K_d(x, x) K_d(y, y)) (the error of the cosine-normalised Gram matrix, the
meaningful one where kernels cross zero, as erf's can).
"""

import argparse
import pathlib

import numpy as np

import rntk

SETS = ["ItalyPowerDemand", "ECG200", "GunPoint", "Lightning2", "ACSF1", "HouseTwenty", "PigCVP"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", default=str(pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "ucr"))
    parser.add_argument("--max-series", type=int, default=60, help="series per set (the first ones)")
    args = parser.parse_args()
    print("| data set | length | activation | L | max error / entry | max error / pair scale |")
    print("|---|---|---|---|---|---|")
    worst = {"entry": 0.0, "scale": 0.0}
    for name in SETS:
        X, _ = rntk.load_sequences(pathlib.Path(args.archive) / name / f"{name}_TRAIN.tsv")
        X = [(x - x.mean()) / x.std() for x in X[: args.max_series]]
        for activation in ("relu", "erf"):
            for layers in (1, 2, 3):
                exact = rntk.gram(X, kind="both", layers=layers, activation=activation)
                approx = rntk.gram(X, kind="both", layers=layers, activation=activation, precision="float")
                entry = scale = 0.0
                for d, f in zip(exact, approx):
                    diag = np.sqrt(np.outer(np.diag(d), np.diag(d)))
                    entry = max(entry, np.max(np.abs(f - d) / np.abs(d)))
                    scale = max(scale, np.max(np.abs(f - d) / diag))
                worst["entry"] = max(worst["entry"], entry if activation == "relu" else 0.0)
                worst["scale"] = max(worst["scale"], scale)
                print(f"| {name} | {max(len(x) for x in X)} | {activation} | {layers} | {entry:.1e} | {scale:.1e} |",
                      flush=True)
    print(f"\nLargest: {worst['entry']:.1e} of an entry (ReLU), {worst['scale']:.1e} of the pair scale (all).")


if __name__ == "__main__":
    main()
