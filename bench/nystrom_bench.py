#!/usr/bin/python3
"""Nystrom kernel machines against exact ones (docs/CLUSTER.md has the latest tables).

    /usr/bin/python3 bench/nystrom_bench.py ucr   [--sets A,B] [--landmarks 64,128,256] [--method kmeans++]
    /usr/bin/python3 bench/nystrom_bench.py large [--n 50000] [--test 5000] [--landmarks 128,256,512]

ucr: on UCR sets where the exact machine is affordable, `rntk classify` with kernel ridge on the
exact Gram matrix and with `--nystrom M`, the same grid (the alpha axis of nystrom runs), in the same
run: test accuracy of each, its difference to exact, and training time relative to exact.

large: a synthetic set of variable-length noisy sinusoids (class = frequency, lengths 20..200,
random phase), N training sequences, far beyond an exact Gram matrix on this machine (N^2 x 8 bytes
per kernel), trained with --nystrom M: wall time, peak resident memory of the process, accuracy.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRID = "kernel = ntk, nngp; layers = 1, 2; sigma_u = 0.5"
ALPHAS = "alpha = 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1"  # the axis --nystrom searches (include/rntk/nystrom.hpp)
UCR_SETS = ("PhalangesOutlinesCorrect,MelbournePedestrian,FaceAll,ProximalPhalanxOutlineCorrect,"
            "DistalPhalanxOutlineCorrect,MiddlePhalanxOutlineCorrect,SyntheticControl,PLAID")


def classify(rntk, train, test, extra):
    """Runs rntk classify; returns (test accuracy, wall seconds, its JSON report)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        cmd = [rntk, "classify", "--train", train, "--test", test, "--missing", "interpolate",
               "--report", report] + extra
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        with open(report) as f:
            r = json.load(f)
    return r["test_accuracy"], seconds, r


def machine():
    cpu = "unknown cpu"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{platform.node()}: {cpu}, {os.cpu_count()} hardware threads"


def ucr(args):
    landmarks = [int(m) for m in args.landmarks.split(",")]
    print(f"machine: {machine()}; grid: {GRID}; {ALPHAS}; landmarks: {args.method}\n")
    head = "| set | N train | N test | exact ridge | " + " | ".join(f"M = {m}" for m in landmarks) + " |"
    print(head)
    print("|" + "---|" * (4 + len(landmarks)))
    gaps = {m: [] for m in landmarks}
    for name in args.sets.split(","):
        stem = os.path.join(args.archive, name, name)
        train, test = stem + "_TRAIN.tsv", stem + "_TEST.tsv"
        if not os.path.exists(train):
            print(f"| {name} | missing | | | |")
            continue
        n_train = sum(1 for _ in open(train))
        n_test = sum(1 for _ in open(test))
        exact, exact_s, _ = classify(args.rntk, train, test, ["--learner", "ridge", "--grid", f"{GRID}; {ALPHAS}"])
        cells = [f"{exact:.4f} ({exact_s:.1f} s)"]
        for m in landmarks:
            if m >= n_train:
                cells.append("= exact")
                gaps[m].append(0.0)
                continue
            acc, s, _ = classify(args.rntk, train, test,
                                 ["--grid", GRID, "--nystrom", str(m), "--landmarks", args.method])
            gaps[m].append(acc - exact)
            cells.append(f"{acc:.4f} ({acc - exact:+.4f}, {s / exact_s:.2f}x time)")
        print(f"| {name} | {n_train} | {n_test} | " + " | ".join(cells) + " |")
        sys.stdout.flush()
    print("| mean difference to exact | | | | " +
          " | ".join(f"{np.mean(gaps[m]):+.4f} (worst {min(gaps[m]):+.4f})" for m in landmarks) + " |")


def sinusoids(n, rng, classes=5):
    """Noisy sinusoids of lengths 20..200; the class is the frequency."""
    labels = rng.integers(0, classes, n)
    lengths = rng.integers(20, 201, n)
    rows = []
    for label, length in zip(labels, lengths):
        t = np.arange(length)
        x = np.sin(2 * np.pi * (0.02 + 0.015 * label) * t + rng.uniform(0, 2 * np.pi)) + rng.normal(0, 0.5, length)
        rows.append(str(label) + "\t" + "\t".join(f"{v:.4f}" for v in x))
    return "\n".join(rows) + "\n"


def large(args):
    rng = np.random.default_rng(0)
    landmarks = [int(m) for m in args.landmarks.split(",")]
    exact_gb = args.n * args.n * 8 / 2**30
    print(f"machine: {machine()}")
    print(f"data: {args.n} training and {args.test} test sequences, lengths 20..200, 5 classes; "
          f"an exact Gram matrix would need {exact_gb:.1f} GiB per kernel")
    print(f"grid: kernel = ntk, layers = 1, sigma_u = 0.5, {ALPHAS} (5-fold CV), kmeans++ landmarks\n")
    with tempfile.TemporaryDirectory() as tmp:
        train, test = os.path.join(tmp, "train.tsv"), os.path.join(tmp, "test.tsv")
        with open(train, "w") as f:
            f.write(sinusoids(args.n, rng))
        with open(test, "w") as f:
            f.write(sinusoids(args.test, rng))
        print("| M | training + test wall time | peak resident memory | test accuracy | CV accuracy |")
        print("|---|---|---|---|---|")
        for m in landmarks:
            # Peak memory of this child alone: run it from a fresh Python whose children are only it.
            probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
                     "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
                     "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
            with tempfile.TemporaryDirectory() as out:
                report = os.path.join(out, "r.json")
                cmd = [sys.executable, "-c", probe, args.rntk, "classify", "--train", train, "--test", test,
                       "--grid", "kernel = ntk; layers = 1; sigma_u = 0.5", "--nystrom", str(m),
                       "--landmarks", "kmeans++", "--report", report]
                start = time.perf_counter()
                peak_kib = int(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip())
                seconds = time.perf_counter() - start
                with open(report) as f:
                    r = json.load(f)
            print(f"| {m} | {seconds:.0f} s | {peak_kib / 2**20:.2f} GiB | {r['test_accuracy']:.4f} | {r['cv_score']:.4f} |")
            sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("part", choices=["ucr", "large"])
    p.add_argument("--rntk", default=os.path.join(ROOT, "build", "rntk"))
    p.add_argument("--archive", default=os.path.join(ROOT, "..", "shared", "data", "ucr"))
    p.add_argument("--sets", default=UCR_SETS)
    p.add_argument("--landmarks", default=None, help="comma-separated M values")
    p.add_argument("--method", default="kmeans++", choices=["uniform", "kmeans++"])
    p.add_argument("--n", type=int, default=50000)
    p.add_argument("--test", type=int, default=5000)
    args = p.parse_args()
    if args.landmarks is None:
        args.landmarks = "64,128,256" if args.part == "ucr" else "128,256,512"
    ucr(args) if args.part == "ucr" else large(args)


if __name__ == "__main__":
    main()
