"""Parts 4 and 5 of bench/reproduce.py: the UCR and UEA archives.

UCR: `rntk ucr` (model selection by cross-validation on each training set, one test score), the
tables of bench/ucr_report.py, and the archive's published 1-NN accuracies (bench/published_1nn.csv)
next to ours. UEA: `rntk classify` per set and kernel method, and 1-NN ED / DTW computed here (the
rntk CLI's 1-NN baselines read the UCR layout only), written as the same CSV so that the same report
applies.
"""

import csv
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

import numpy as np

import rntk

BENCH = pathlib.Path(__file__).parent
UCR_METHODS = "rntk,ntk,nngp,rbf,poly,mlp-ntk,ed,dtw,dtw-learned"
# Small sets whose series the archive stores z-normalised, so that its published 1-NN numbers
# (computed on the stored series) are comparable with ours (computed on z-normalised ones).
UCR_QUICK = "Coffee,ECG200,GunPoint,ItalyPowerDemand,SyntheticControl"
UEA_KERNELS = ["rntk", "ntk", "nngp", "rbf", "mlp-ntk"]
UEA_QUICK = ["BasicMotions", "ERing"]
# Training sets this large are left out of the full UEA run: every kernel method's grid on them
# takes hours on 2 cores (the Gram matrix of n training series, for each fold and grid point).
UEA_MAX_TRAIN = 1000
# "Where each method wins": a method is among the best on a set within this much of the best test
# accuracy; sets are grouped by length and training-set size at these thresholds.
NEAR_BEST = 0.01
LONG_STEPS = 500
FEW_TRAINING = 50
CSV_FIELDS = ["dataset", "method", "n_train", "n_test", "length", "variable_length", "classes", "cv_accuracy",
              "test_accuracy", "chosen", "train_seconds", "test_seconds"]


def report(csv_path, scatter):
    """bench/ucr_report.py's tables (Markdown) for the CSV, and its scatter plot."""
    done = subprocess.run([sys.executable, str(BENCH / "ucr_report.py"), str(csv_path), "--against", "rntk",
                           "--scatter", str(scatter)], capture_output=True, text=True, check=True)
    return done.stdout


def published():
    lines = [line for line in open(BENCH / "published_1nn.csv") if not line.startswith("#")]
    return {r["dataset"]: r for r in csv.DictReader(lines)}


def compare_published(rows):
    """Our 1-NN ED and learned-window DTW against the archive's published accuracies, set by set."""
    ours = {(r["dataset"], r["method"]): r for r in rows}
    table, numbers = [], {}
    for name, p in sorted(published().items()):
        if (name, "ed") not in ours:
            continue
        n_test = int(ours[(name, "ed")]["n_test"])
        ed, pub_ed = float(ours[(name, "ed")]["test_accuracy"]), 1 - float(p["ed_error"])
        entry = {"ed": ed, "published_ed": pub_ed, "n_test": n_test,
                 "ed_equal": abs(ed - pub_ed) < 0.5 / n_test}  # the published rates have four decimals
        cells = f"| {name} | {ed:.4f} | {pub_ed:.4f} |"
        if (name, "dtw-learned") in ours:
            r = ours[(name, "dtw-learned")]
            window = round(100 * float(r["chosen"].split("window=")[1]))
            dtw, pub_dtw = float(r["test_accuracy"]), 1 - float(p["dtw_learned_error"])
            entry.update(dtw_learned=dtw, published_dtw_learned=pub_dtw, window=window,
                         published_window=int(p["dtw_learned_window_percent"]),
                         dtw_equal=abs(dtw - pub_dtw) < 0.5 / n_test)
            cells += f" {dtw:.4f} ({window} %) | {pub_dtw:.4f} ({p['dtw_learned_window_percent']} %) |"
        table.append(cells)
        numbers[name] = entry
    header = ["| data set | 1-NN ED, ours | published | 1-NN DTW learned window, ours | published |",
              "|---|---|---|---|---|"]
    return "\n".join(header + table), numbers


def where_each_wins(rows):
    """Markdown: how often each method is among the best (within NEAR_BEST of the best accuracy), by
    groups of sets (the CSV's length, variable_length and n_train), and on which sets."""
    acc, info = defaultdict(dict), {}
    for r in rows:
        acc[r["dataset"]][r["method"]] = float(r["test_accuracy"])
        info[r["dataset"]] = r
    methods = list(dict.fromkeys(r["method"] for r in rows))
    sets = sorted(s for s in acc if len(acc[s]) == len(methods))
    near = {s: {m for m in methods if acc[s][m] >= max(acc[s].values()) - NEAR_BEST} for s in sets}
    variable = [s for s in sets if info[s]["variable_length"] == "yes"]
    long_sets = [s for s in sets if int(info[s]["length"]) > LONG_STEPS]
    few = [s for s in sets if int(info[s]["n_train"]) <= FEW_TRAINING]
    groups = [("all", sets), ("variable length", variable), ("fixed length", [s for s in sets if s not in variable]),
              (f"long (> {LONG_STEPS} steps)", long_sets),
              (f"short (<= {LONG_STEPS} steps)", [s for s in sets if s not in long_sets]),
              (f"few training series (<= {FEW_TRAINING})", few),
              (f"more training series (> {FEW_TRAINING})", [s for s in sets if s not in few])]
    table = [f"| sets | number | {' | '.join(methods)} |", "|---|---|" + "---|" * len(methods)]
    leaders = []
    for name, group in groups:
        if not group:
            continue
        counts = {m: sum(m in near[s] for s in group) for m in methods}
        top = max(counts.values())
        table.append(f"| {name} | {len(group)} | "
                     + " | ".join(f"**{c}**" if c == top else str(c) for c in counts.values()) + " |")
        leaders.append((name, " and ".join(f"`{m}`" for m in methods if counts[m] == top), f"{top} of {len(group)}"))
    if len({leader for _, leader, _ in leaders}) == 1:
        most_often = f"{leaders[0][1]} is among the best most often in every group."
    else:
        most_often = "Most often among the best: " + "; ".join(f"{g}: {m} ({n})" for g, m, n in leaders) + "."
    shared = [s for s in sets if len(near[s]) == len(methods)]
    bullets = []
    for m in methods:
        alone = [s for s in sets if near[s] == {m}]
        among = [s for s in sets if m in near[s] and s not in alone and s not in shared]
        bullets.append(f"- `{m}`: ahead of every other method by more than {NEAR_BEST} on {len(alone)}"
                       f"{': ' + ', '.join(alone) if alone else ''}; within {NEAR_BEST} of the best, with others, "
                       f"on {len(among)}{': ' + ', '.join(among) if among else ''}.")
    return f"""### Where each method wins

Counted from the per-set table above: on each set, the methods whose test accuracy is within
{NEAR_BEST} of the best there are *among the best* (ties count for each). The sets are grouped by
what the CSV records about them: series of different lengths, length (the longest training series),
and the number of training series. Each cell is the number of sets of its row on which the method
is among the best; the most in a row is bold.

{chr(10).join(table)}

{most_often}

The sets, per method ({len(shared)} of {len(sets)} sets, where every method is within {NEAR_BEST} of the best,
are left out{': ' + ', '.join(shared) if shared else ''}):

{chr(10).join(bullets)}
"""


def accuracy_test_sets():
    """(name, published 1-NN ED accuracy) of each set tests/test_ucr.cpp checks the `rntk` grid on."""
    text = (BENCH.parent / "tests" / "test_ucr.cpp").read_text()
    return [(name, float(value)) for name, value in re.findall(r'Published\{"(\w+)", ([0-9.]+)\}', text)]


def ucr(run):
    out = run.out / "ucr.csv"
    archive = run.data / "ucr"
    datasets = ["--datasets", UCR_QUICK] if run.quick else []
    if not (run.reuse and out.exists()):
        run.rntk("ucr", "--archive", archive, *datasets, "--methods", UCR_METHODS, "--out", out, show=not run.quick)
    rows = list(csv.DictReader(open(out)))
    sets = sorted({r["dataset"] for r in rows})
    tables = report(out, run.out / "ucr_scatter.png")
    comparison, numbers = compare_published(rows)
    equal_ed = [s for s, e in numbers.items() if e["ed_equal"]]
    equal_dtw = [s for s, e in numbers.items() if e.get("dtw_equal")]
    different = [s for s in numbers if s not in equal_ed]
    accuracy = {f"{r['dataset']} {r['method']}": float(r["test_accuracy"]) for r in rows}
    method_seconds = {}
    for r in rows:
        method_seconds[r["method"]] = method_seconds.get(r["method"], 0.0) + float(r["train_seconds"]) + float(r["test_seconds"])
    timing = ", ".join(f"{m} {t:.0f} s" for m, t in method_seconds.items())
    tested = [(name, ed) for name, ed in accuracy_test_sets() if f"{name} rntk" in accuracy]
    checked = ""
    if tested:
        checked = (f"\ntests/test_ucr.cpp checks that the default `rntk` grid reaches the published 1-NN Euclidean "
                   f"accuracy less 0.04 on {len(tested)} sets; in this run of the same grid: "
                   + ", ".join(f"{name} {accuracy[f'{name} rntk']:.4f} (published 1-NN ED {ed:.3f})" for name, ed in tested)
                   + ".\n")
    scope = "a few small ones, quick mode" if run.quick else "all of them"
    text = f"""{len(sets)} data sets of `../shared/data/ucr` ({scope}), the archive's train / test splits.
Each kernel method is tuned by 5-fold stratified cross-validation on the training set over its
default grid (docs/CLASSIFY.md), fitted on the whole training set and scored once on the test set;
series are z-normalised, missing values inside a series interpolated, and the baselines compare
series zero-padded (or cut) to the longest training length. `rntk` is the RNTK
family's default grid (bidirectional, mean pooling over every pair of steps of the series averaged
to at most 64 steps; cross-validation chooses NTK or NNGP, depth, input scale, C); `ntk` and `nngp` alone; `rbf`
the Gaussian kernel and `mlp-ntk` the NTK of a fully connected ReLU network (the paper's "NTK"
baseline) on the flattened series; `ed` 1-NN Euclidean, `dtw` 1-NN DTW with a full window, `dtw-learned` 1-NN DTW in the Sakoe-Chiba
window (0-20 % of the length) with the best leave-one-out accuracy on the training set.

```sh
build/rntk ucr --archive ../shared/data/ucr {' '.join(datasets)} --methods {UCR_METHODS} --out {out.name}
/usr/bin/python3 bench/ucr_report.py {out.name} --against rntk --scatter ucr_scatter.png
```

Time of each method (model selection, fit and test, summed over the sets; 2 cores shared with
other jobs): {timing}.

{tables}
![UCR scatter](RESULTS_DIR/ucr_scatter.png)

*Scatter: one point per set, the RNTK family's test accuracy against the best of the other methods.*

{where_each_wins(rows)}
### Published 1-NN accuracies

The UCR archive's own 1-NN error rates (Dau et al. 2019, bench/published_1nn.csv) next to ours. The
archive computes them on the series as stored; we z-normalise every series, interpolate missing
values and pad shorter series, so the two can differ where the stored series are not z-normalised,
have missing values or different lengths. Our 1-NN ED
equals the published accuracy (to half a test series) on {len(equal_ed)} of {len(numbers)} sets, our
learned-window 1-NN DTW on {len(equal_dtw)} of {len(numbers)}{'; ED differs on ' + ', '.join(different) if different else ''}.

{comparison}
{checked}"""
    result = {"sets": sets, "accuracy": accuracy, "published": numbers, "method_seconds": method_seconds}
    if run.reuse:  # the run that made the CSV: its methods' times, not this report's
        result["run_seconds"] = sum(method_seconds.values())
    return text, result


# --- UEA ---------------------------------------------------------------------------------------

def zscore(series):
    mean, std = series.mean(axis=0), series.std(axis=0)
    return (series - mean) / np.where(std > 0, std, 1.0)


def stacked(series, length):
    """(n, length, m) array: each series zero-padded or cut to `length` steps."""
    out = np.zeros((len(series), length, series[0].shape[1]))
    for i, s in enumerate(series):
        out[i, :min(len(s), length)] = s[:length]
    return out


def euclidean_neighbours(test, train, length):
    a = stacked(test, length).reshape(len(test), -1)
    b = stacked(train, length).reshape(len(train), -1)
    distances = (a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :]
    return distances.argmin(axis=1)


def dtw_distances(a, b, la, lb):
    """Dependent multivariate DTW (full window) of pairs a[p], b[p]: (P, Ta, m) and (P, Tb, m) arrays
    NaN-padded after la[p], lb[p] steps. Walks the anti-diagonals, vectorised over the pairs."""
    P, Ta, _ = a.shape
    Tb = b.shape[1]
    prev2, prev = np.full((P, Ta), np.inf), np.full((P, Ta), np.inf)
    result = np.full(P, np.inf)
    end = la + lb - 2
    for k in range(Ta + Tb - 1):
        i = np.arange(max(0, k - Tb + 1), min(Ta - 1, k) + 1)
        cost = np.sum((a[:, i] - b[:, k - i]) ** 2, axis=2)
        cost[np.isnan(cost)] = np.inf  # a step past a sequence's end
        current = np.full((P, Ta), np.inf)
        if k == 0:
            current[:, 0] = cost[:, 0]
        else:
            # (i, j - 1) and (i - 1, j) lie on diagonal k - 1, (i - 1, j - 1) on k - 2; cells outside
            # a diagonal's range hold inf.
            back = np.maximum(i - 1, 0)
            up = np.where(i >= 1, prev[:, back], np.inf)
            corner = np.where(i >= 1, prev2[:, back], np.inf)
            current[:, i] = cost + np.minimum(np.minimum(prev[:, i], up), corner)
        hit = np.flatnonzero(end == k)
        result[hit] = current[hit, la[hit] - 1]
        prev2, prev = prev, current
    return result


def dtw_neighbours(test, train, values_per_chunk=4_000_000):
    def padded(series):
        out = np.full((len(series), max(len(s) for s in series), series[0].shape[1]), np.nan)
        for i, s in enumerate(series):
            out[i, :len(s)] = s
        return out, np.array([len(s) for s in series])
    a, la = padded(test)
    b, lb = padded(train)
    pairs = np.array([(t, r) for t in range(len(test)) for r in range(len(train))])
    # Pairs per chunk such that one diagonal's step values (pairs x length x channels) stay small.
    chunk = max(1, values_per_chunk // (a.shape[1] * a.shape[2]))
    distances = np.empty(len(pairs))
    for start in range(0, len(pairs), chunk):
        p = pairs[start:start + chunk]
        distances[start:start + chunk] = dtw_distances(a[p[:, 0]], b[p[:, 1]], la[p[:, 0]], lb[p[:, 1]])
    return distances.reshape(len(test), len(train)).argmin(axis=1)


def uea_set(run, name):
    """CSV rows (as `rntk ucr` writes them) of every method on one UEA set."""
    folder = run.data / "uea" / name
    train_path, test_path = folder / f"{name}_TRAIN.ts", folder / f"{name}_TEST.ts"
    train, train_labels = rntk.load_sequences(train_path)
    test, test_labels = rntk.load_sequences(test_path)
    lengths = [len(s) for s in train]
    common = {"dataset": name, "n_train": len(train), "n_test": len(test), "length": max(lengths),
              "variable_length": "yes" if min(lengths) != max(lengths) else "no",
              "classes": len(set(train_labels))}
    rows = []
    for method in UEA_KERNELS:
        pad = [] if method in ("rntk", "ntk", "nngp") else ["--pad", "true"]
        with tempfile.TemporaryDirectory(prefix="rntk_uea_") as tmp:
            report_path = pathlib.Path(tmp) / "report.json"
            run.rntk("classify", "--train", train_path, "--test", test_path, "--method", method, *pad,
                     "--report", report_path)
            r = json.loads(report_path.read_text())
        rows.append({**common, "method": method, "cv_accuracy": r["cv_score"], "test_accuracy": r["test_accuracy"],
                     "chosen": r["chosen"], "train_seconds": r["train_seconds"], "test_seconds": r["test_seconds"]})
    # 1-NN on z-normalised series (each channel), as `rntk ucr` does; ED pads to the longest
    # training length; no leave-one-out score (cv_accuracy left empty).
    train_z, test_z = [zscore(s) for s in train], [zscore(s) for s in test]
    for method, neighbours in (("ed", lambda: euclidean_neighbours(test_z, train_z, max(lengths))),
                               ("dtw", lambda: dtw_neighbours(test_z, train_z))):
        start = time.time()
        predicted = np.asarray(train_labels)[neighbours()]
        accuracy = float(np.mean(predicted == np.asarray(test_labels)))
        rows.append({**common, "method": method, "cv_accuracy": "", "test_accuracy": accuracy,
                     "chosen": "distance=euclidean" if method == "ed" else "distance=dtw-dependent window=1",
                     "train_seconds": 0, "test_seconds": time.time() - start})
    return rows


def uea(run):
    index = list(csv.DictReader(open(run.data / "uea" / "INDEX.tsv"), delimiter="\t"))
    if run.quick:
        names, left_out = UEA_QUICK, []
    else:
        names = [r["name"] for r in index if int(r["n_train"]) <= UEA_MAX_TRAIN]
        left_out = [f"{r['name']} ({r['n_train']} training series)" for r in index if int(r["n_train"]) > UEA_MAX_TRAIN]
    out = run.out / "uea.csv"
    if not (run.reuse and out.exists()):
        rows = []
        for name in names:
            rows += uea_set(run, name)
            print(f"reproduce.py: uea {name} done", flush=True)
        tmp = out.with_name("uea.csv.tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        tmp.replace(out)
    rows = list(csv.DictReader(open(out)))
    names = sorted({r["dataset"] for r in rows})
    tables = report(out, run.out / "uea_scatter.png")
    accuracy = {f"{r['dataset']} {r['method']}": float(r["test_accuracy"]) for r in rows}
    scope = "quick mode" if run.quick else f"every set with at most {UEA_MAX_TRAIN} training series"
    if left_out:
        scope += "; left out for time: " + ", ".join(left_out)
    text = f"""{len(names)} multivariate sets of `../shared/data/uea` ({scope}).
The kernel methods go through `rntk classify --train NAME_TRAIN.ts --test NAME_TEST.ts --method M`
(the same default grids and 5-fold cross-validation as the UCR table; the baselines with `--pad
true`, which matters for JapaneseVowels, the one set of different lengths). The 1-NN baselines are
computed by bench/reproduce_archive.py on series z-normalised per channel: `ed` on the flattened
series zero-padded to the longest training length, `dtw` dependent multivariate DTW (one warping
path for all channels, squared Euclidean cost between time steps, no window).

{tables}
![UEA scatter](RESULTS_DIR/uea_scatter.png)

*Scatter: one point per set, the RNTK family's test accuracy against the best of the other methods.*
"""
    result = {"sets": names, "accuracy": accuracy}
    if run.reuse:  # the run that made the CSV: its methods' times, not this report's
        result["run_seconds"] = sum(float(r["train_seconds"]) + float(r["test_seconds"]) for r in rows)
    return text, result
