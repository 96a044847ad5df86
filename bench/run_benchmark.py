#!/usr/bin/python3
"""The Gram engine benchmark: prints a Markdown table (docs/PERFORMANCE.md holds the latest one).

    /usr/bin/python3 bench/run_benchmark.py [--build build] [--cases relu,erf,ragged,m64,float,erf-float,mean]

For each case it runs the engine (build/bench/rntk_gram_bench) on 2 threads and on 1, under
/usr/bin/time for the peak resident memory, then the NumPy reference (bench/numpy_reference.py) on the
same data and 2 threads, and checks that both give the same matrices. Throughput is in cell-layer
updates per second: pairs i < j x walk length min(T_i, T_j) x layers, from the best of three runs
(the NumPy reference: of two), the 2- and 1-thread runs alternating; the ratios between cases, and
the double ReLU case's fraction of the ceiling, also as the median of alternating pairs of runs.
The ceiling is a calibration loop of the same binary: the ReLU dual activation (arc-cosine, square
root and a few products, with the engine's vector arc-cosine) alone on arrays in the L1 cache, the
most a cell update could cost less than. A second loop runs the engine's ReLU cell update alone on
one tile's state (the walk's arithmetic without the walk around it), which splits the gap to the
ceiling in two.
"""

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_reference  # noqa: E402

CASES = {
    # name: (N, lengths, m, layers, activation, precision)
    "relu": (2000, "128", 1, 2, "relu", "double"),
    "erf": (2000, "128", 1, 2, "erf", "double"),
    "ragged": (2000, "64..192", 1, 2, "relu", "double"),
    "m64": (2000, "128", 64, 2, "relu", "double"),
    "float": (2000, "128", 1, 2, "relu", "float"),
    "erf-float": (2000, "128", 1, 2, "erf", "float"),
    "mean": (400, "128", 1, 2, "relu", "double"),  # mean pooling: every cell of every pair's grid
}
DEFAULTS = {"sw": 1.4142135623730951, "su": 1.0, "sb": 0.1, "sh": 0.0, "sv": 1.0}


REPEATS = 3  # timings are the best of this many runs: the machine is shared and noisy


PAIRS = 5  # the ratios between cases: the median of this many alternating pairs of runs
CEILING_PAIRS = 9  # the double ReLU case over the ceiling, the closest target: more pairs


def run_once(binary, case, threads, out_dir=None):
    """(seconds, cells, peak resident KiB) of one run."""
    cmd = ["/usr/bin/time", "-f", "peak_kb=%M", binary, case, "--threads", str(threads)]
    if out_dir:
        cmd += ["--write", out_dir]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True)
    fields = dict(re.findall(r"(\w+)=([\w.+-]+)", text.stdout + text.stderr))
    return float(fields["seconds"]), float(fields["cells"]), int(fields["peak_kb"])


def run_engine(binary, case):
    """Best seconds on 2 threads and on 1, cells, largest peak resident KiB, over REPEATS runs of
    each, the two thread counts alternating so that a slow spell of the machine hits both."""
    runs = {2: [], 1: []}
    for _ in range(REPEATS):
        for threads in (2, 1):
            runs[threads].append(run_once(binary, case, threads))
    return (min(r[0] for r in runs[2]), min(r[0] for r in runs[1]), runs[2][0][1],
            max(r[2] for r in runs[2] + runs[1]))


def rate_of_run(binary, what, threads):
    """One run's rate: a case's cells per second, or the ceiling loop's dual activations per second."""
    if what == "ceiling":
        text = subprocess.run([binary, what, "--threads", str(threads)], check=True, capture_output=True,
                              text=True).stdout
        return float(re.search(r"duals_per_second=([\d.e+-]+)", text).group(1))
    seconds, cells, _ = run_once(binary, what, threads)
    return cells / seconds


def paired_ratio(binary, case, reference, pairs=PAIRS):
    """Throughput of `case` over `reference` (a case, or the ceiling) on 2 threads: median and range
    of `pairs` ratios of runs made one right after the other (this machine's speed drifts by 10-20 %
    between runs)."""
    ratios = sorted(rate_of_run(binary, case, 2) / rate_of_run(binary, reference, 2) for _ in range(pairs))
    return ratios[len(ratios) // 2], ratios[0], ratios[-1]


def difference_per_pair_scale(k, reference):
    """The largest |k - reference| relative to the pair's scale sqrt(K(x, x) K(y, y)) of the reference:
    erf's kernels cross zero, where an entry is no scale for its own error."""
    diag = np.sqrt(np.diag(reference))
    return np.max(np.abs(k - reference) / np.outer(diag, diag))


def machine():
    model = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    flags = open("/proc/cpuinfo").read()
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE2"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return f"{model}, {os.cpu_count()} cores, {isa}; Linux {platform.release()}; NumPy {np.__version__}; commit {commit or '?'}"


def best_rates(binary, loop, key):
    """The best rate of REPEATS runs of a calibration loop (ceiling, update) on 1 and 2 threads, by
    thread count, and the last run's output."""
    best = {}
    for threads in (1, 2):
        for _ in range(REPEATS):
            text = subprocess.run([binary, loop, "--threads", str(threads)], check=True, capture_output=True,
                                  text=True).stdout
            rate = float(re.search(key + r"=([\d.e+-]+)", text).group(1))
            best[threads] = max(best.get(threads, 0.0), rate)
    return best, text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build")
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    binary = os.path.join(args.build, "bench", "rntk_gram_bench")
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # NumPy's matrix products: its 2 threads are the pool's

    ceil, text = best_rates(binary, "ceiling", "duals_per_second")
    isa = re.search(r"isa=(\w+)", text).group(1)
    update, _ = best_rates(binary, "update", "cells_per_second")

    print(f"Machine: {machine()}\n")
    print(f"Ceiling ({isa}, the engine's vector arc-cosine): {ceil[1]:.3g} ReLU dual activations/s on 1 thread, "
          f"{ceil[2]:.3g} on 2 threads.")
    print(f"ReLU cell update alone (one tile's state in cache, no walk around it): {update[1]:.3g} cells/s on 1 thread, "
          f"{update[2]:.3g} on 2 threads ({update[2] / ceil[2]:.0%} of the ceiling).\n")
    print("| case | N | lengths | m | L | activation | precision | engine cells/s | NumPy cells/s | engine / NumPy "
          "| 2 threads / 1 | fraction of ceiling | peak memory (output + input) | max diff vs NumPy / pair scale |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    throughput = {}
    for case in args.cases.split(","):
        n, lengths, m, layers, activation, precision = CASES[case]
        with tempfile.TemporaryDirectory() as tmp:
            # Timed and measured runs write nothing; a third run writes data and result for the check.
            seconds2, seconds1, cells, peak_kb = run_engine(binary, case)
            run_once(binary, case, 2, tmp)
            values = np.load(os.path.join(tmp, "values.npy"))
            offsets = np.load(os.path.join(tmp, "offsets.npy"))[:, 0].astype(np.int64)
            ntk, nngp = np.load(os.path.join(tmp, "ntk.npy")), np.load(os.path.join(tmp, "nngp.npy"))
            params = dict(DEFAULTS, layers=layers, activation=activation)
            input_mb = values.nbytes / 2**20
            if case == "mean":  # the NumPy reference walks the last-state diagonal only
                rate = cells / seconds2
                throughput[case] = rate
                print(f"| {case} | {n} | {lengths} | {m} | {layers} | {activation} | {precision} | {rate:.3g} | - | - | "
                      f"{seconds1 / seconds2:.2f}x | {rate / ceil[2]:.0%} | {peak_kb / 1024:.0f} MiB "
                      f"({2 * n * n * 8 / 2**20:.0f} + {input_mb:.0f} MiB) | - |", flush=True)
                continue
            numpy_seconds = float("inf")
            for _ in range(2):
                start = time.perf_counter()
                ref_ntk, ref_nngp = numpy_reference.gram(values, offsets, params, threads=2)
                numpy_seconds = min(numpy_seconds, time.perf_counter() - start)
        diff = max(difference_per_pair_scale(ntk, ref_ntk), difference_per_pair_scale(nngp, ref_nngp))
        rate = cells / seconds2
        throughput[case] = rate
        output_mb = 2 * n * n * 8 / 2**20
        print(f"| {case} | {n} | {lengths} | {m} | {layers} | {activation} | {precision} | {rate:.3g} | "
              f"{cells / numpy_seconds:.3g} | {numpy_seconds / seconds2:.1f}x | {seconds1 / seconds2:.2f}x | "
              f"{rate / ceil[2]:.0%} | {peak_kb / 1024:.0f} MiB ({output_mb:.0f} + {input_mb:.0f} MiB) | {diff:.1e} |",
              flush=True)
    print()
    if "relu" in throughput:
        median, low, high = paired_ratio(binary, "relu", "ceiling", CEILING_PAIRS)
        print(f"Double ReLU / ceiling: {median:.0%} (median of {CEILING_PAIRS} alternating pairs of runs, "
              f"{low:.0%}-{high:.0%}; from the table: {throughput['relu'] / ceil[2]:.0%})")
    for case, reference, name in (("ragged", "relu", "Ragged / equal-length"), ("float", "relu", "Float / double"),
                                  ("erf-float", "erf", "erf float / double"), ("mean", "relu", "Mean pooling / last state")):
        if case in throughput and reference in throughput:
            median, low, high = paired_ratio(binary, case, reference)
            print(f"{name} cell throughput: {median:.2f} (median of {PAIRS} alternating pairs of runs, {low:.2f}-{high:.2f}; "
                  f"from the table: {throughput[case] / throughput[reference]:.2f})")


if __name__ == "__main__":
    main()
