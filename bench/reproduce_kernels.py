"""Parts 1 and 2 of bench/reproduce.py: the finite network's kernels converge to the analytic ones,
and how the RNTK weights time steps.

Each part takes the run's settings (reproduce.Run) and returns (markdown, numbers); the numbers go to
<out>/<part>.json, where python/tests/test_reproduce.py checks them.
"""

import numpy as np

import rntk
from reproduce_plot import plt

CASES = [(activation, layers) for activation in ("relu", "erf") for layers in (1, 2)]


def relative_error(k, exact):
    return float(np.linalg.norm(k - exact) / np.linalg.norm(exact))


def convergence(run):
    """Relative Frobenius error of the empirical NTK and NNGP against the width, per seed."""
    widths = [64, 128, 256, 512, 1024] if run.quick else [32, 64, 128, 256, 512, 1024, 2048, 4096]
    seeds = 8
    # Short sequences: at sigma_w = sqrt(2) the finite ReLU network's fluctuations grow with the
    # length, so long ones need far wider networks before the 1/sqrt(width) regime starts.
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((t, 2)) for t in (3, 4, 5, 6, 4, 5)]
    numbers, rows = {}, []
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    for (activation, layers), colour in zip(CASES, ("C0", "C1", "C2", "C3")):
        exact = rntk.gram(X, kind="both", activation=activation, layers=layers)
        errors = np.zeros((2, len(widths), seeds))
        for w, width in enumerate(widths):
            for s in range(seeds):
                empirical = rntk.empirical_kernels(X, width=width, seeds=1, seed=s + 1, activation=activation,
                                                   layers=layers)
                for k in range(2):
                    errors[k, w, s] = relative_error(empirical[k], exact[k])
        for k, (kind, ax) in enumerate(zip(("ntk", "nngp"), axes)):
            mean = errors[k].mean(axis=1)
            slope, intercept = np.polyfit(np.log(widths), np.log(mean), 1)
            name = f"{kind} {activation} L={layers}"
            numbers[name] = {"slope": float(slope), "widths": widths, "mean_error": mean.tolist()}
            rows.append(f"| {kind.upper()} | {activation} | {layers} | {mean[0]:.3f} | {mean[-1]:.4f} | {slope:.3f} |")
            ax.errorbar(widths, mean, yerr=errors[k].std(axis=1), fmt="o", color=colour, capsize=2, markersize=4)
            ax.plot(widths, np.exp(intercept) * np.asarray(widths, float) ** slope, color=colour,
                    label=f"{activation}, L={layers}: slope {slope:.2f}")
    guide = 0.5 * (np.asarray(widths, float) / widths[0]) ** -0.5
    for kind, ax in zip(("NTK", "NNGP (Monte Carlo)"), axes):
        ax.plot(widths, guide, ":", color="grey", label="slope -1/2 (reference)")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("hidden width n (units per layer)")
        ax.set_title(f"empirical {kind} of finite RNNs")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("relative Frobenius error ||K_n - K|| / ||K||")
    fig.suptitle(f"Convergence to the analytic kernel (mean of {seeds} networks, bars: one standard deviation)")
    fig.tight_layout()
    run.save(fig, "convergence.png")
    text = f"""Six random sequences (lengths 3 to 6, two channels, standard normal values); sigma_w = sqrt(2),
sigma_u = 1, sigma_b = 0.1 (the defaults). For each width, {seeds} networks with independent
initialisations (`rntk.empirical_kernels(X, width, seeds=1, seed=s)`) give the empirical NTK (the
Gram matrix of the parameter gradients of the output) and the Monte-Carlo NNGP (the covariance of
the output given the last hidden state, `sigma_v^2 / n <h_T, h'_T'>`). The error is
||K_n - K||_F / ||K||_F against `rntk.gram`, averaged over the networks; the slope is the least-squares
fit of log(mean error) against log(width) over widths {widths[0]} to {widths[-1]}. The central limit
theorem predicts -1/2. The sequences are short on purpose: at sigma_w = sqrt(2) the finite ReLU
network's fluctuations grow with the length, so long sequences need far wider networks before this
regime starts (in an exploration with lengths 10 to 25, the ReLU NTK's error was still about 0.3 at
width 4096, against 0.07 for erf).

![convergence](RESULTS_DIR/convergence.png)

| kernel | activation | layers | error at width {widths[0]} | error at width {widths[-1]} | fitted slope |
|---|---|---|---|---|---|
""" + "\n".join(rows) + "\n"
    return text, {"cases": numbers}


def sensitivities(x, y, kind, activation, sigma_w, h=1e-4):
    """|dK(x, y)/dx_t| for every t, by central differences (one Gram call for all of them)."""
    T = len(x)
    batch = np.repeat(x[None, :], 2 * T, axis=0)
    batch[2 * np.arange(T), np.arange(T)] += h
    batch[2 * np.arange(T) + 1, np.arange(T)] -= h
    k = rntk.gram(batch, y[None, :], kind=kind, activation=activation, sigma_w=sigma_w)[:, 0]
    return np.abs(k[0::2] - k[1::2]) / (2 * h)


def weighting(run):
    """How much K(x, x') depends on the input at each step, for several sigma_w."""
    T, pairs = 40, (4 if run.quick else 16)
    sigmas = [1.0, 1.2, np.sqrt(2), 1.6, 1.8]
    lags = np.arange(T)[::-1]  # steps before the last one
    fit = (lags >= 2) & (lags <= 25)  # away from the last steps, before underflow of the erf curves
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((pairs, T)), rng.standard_normal((pairs, T))
    numbers, rows = {}, []
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.5), sharex=True)
    for r, activation in enumerate(("relu", "erf")):
        for c, kind in enumerate(("ntk", "nngp")):
            ax = axes[r, c]
            for sw, colour in zip(sigmas, ("C0", "C1", "C2", "C3", "C4")):
                s = np.mean([sensitivities(x, y, kind, activation, sw) for x, y in zip(xs, ys)], axis=0)
                relative = s / s[-1]
                keep = fit & (relative > 1e-250)
                # memory factor: the sensitivity gains this factor per step further back in time
                factor = float(np.exp(np.polyfit(lags[keep], np.log(relative[keep]), 1)[0]))
                numbers[f"{kind} {activation} sw={sw:.4f}"] = {"sigma_w": float(sw), "factor_per_step_back": factor,
                                                               "first_over_last": float(relative[0])}
                ax.plot(lags, relative, color=colour, label=f"sigma_w={sw:.3g}: x{factor:.3g} per step")
            ax.set_yscale("log")
            ax.set_ylim(1e-12, 1e12)
            ax.set_title(f"{kind.upper()}, {activation}")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=7)
            if r == 1:
                ax.set_xlabel("steps before the last input (T - t)")
            if c == 0:
                ax.set_ylabel("|dK/dx_t| / |dK/dx_T|")
    fig.suptitle(f"Sensitivity of K(x, x') to the input at step t (T = {T}, mean over {pairs} random pairs)")
    fig.tight_layout()
    run.save(fig, "weighting.png")
    for sw in sigmas:
        cells = [numbers[f"{kind} {activation} sw={sw:.4f}"]["factor_per_step_back"]
                 for activation in ("relu", "erf") for kind in ("ntk", "nngp")]
        rows.append(f"| {sw:.4g} | {sw * sw / 2:.3f} | " + " | ".join(f"{v:.3f}" for v in cells) + " |")
    text = f"""Random univariate pairs x, x' of length T = {T} (standard normal values, {pairs} pairs, no
normalisation); sigma_u = 1, sigma_b = 0.1, one layer. The sensitivity to step t is |dK(x, x')/dx_t|,
by central differences (h = 1e-4) on `rntk.gram`, averaged over the pairs and divided by the
sensitivity to the last step. The factor per step is exp(slope) of a least-squares fit of its
logarithm against T - t over 2 <= T - t <= 25: how much more (> 1) or less (< 1) an input one step
further back in time counts.

![weighting](RESULTS_DIR/weighting.png)

| sigma_w | sigma_w^2 / 2 | ReLU NTK | ReLU NNGP | erf NTK | erf NNGP |
|---|---|---|---|---|---|
""" + "\n".join(rows) + "\n\n" + weighting_rule(numbers)
    return text, {"cases": numbers}


def weighting_rule(numbers):
    """The observed rule, in words, from the measured factors."""
    def worst(kind):  # largest relative distance of the ReLU factor from sigma_w^2 / 2
        return max(abs(v["factor_per_step_back"] / (v["sigma_w"] ** 2 / 2) - 1)
                   for k, v in numbers.items() if k.startswith(f"{kind} relu"))
    erf_critical = numbers[f"nngp erf sw={np.sqrt(2):.4f}"]["factor_per_step_back"]
    return (f"**Observed rule.** For ReLU the weight of an input decays (or grows) geometrically with "
            f"its distance from the end, by a factor close to sigma_w^2 / 2 per step (within "
            f"{100 * worst('nngp'):.1f} % of it for the NNGP and {100 * worst('ntk'):.1f} % for the NTK, at "
            f"every sigma_w above); sigma_w = sqrt(2) weights all steps about equally, smaller values "
            f"forget old steps, larger ones let the first steps dominate. erf forgets faster at every "
            f"sigma_w (factor {erf_critical:.2f} per step at sqrt(2), NNGP) and its factor changes far less "
            f"with sigma_w; our reading: erf saturates, so its slope averaged over the pre-activations is "
            f"small.\n")
