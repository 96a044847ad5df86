"""Shared fixtures: where the build is, the spec's test vectors, small data sets."""

import os
import pathlib
import re

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("RNTK_BUILD_DIR", REPO / "build"))
CLI = BUILD / "rntk"
DATA = REPO.parent / "shared" / "data"


def spec_cases():
    """The spec's test vectors, read from tests/spec_vectors.hpp (one copy of them in the repo)."""
    text = (REPO / "tests" / "spec_vectors.hpp").read_text()
    cases = []
    for chunk in text.split("{Activation::k")[1:]:
        activation = re.match(r"\w+", chunk).group(0).lower()
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", chunk)][:6 + 36]
        sw, su, sb, sh, sv, layers = numbers[:6]
        mats = [np.array(numbers[6 + 9 * k:6 + 9 * (k + 1)]).reshape(3, 3) for k in range(4)]
        cases.append({
            "params": dict(activation=activation, sigma_w=sw, sigma_u=su, sigma_b=sb, sigma_h=sh, sigma_v=sv,
                           layers=int(layers)),
            "ntk_last": mats[0], "nngp_last": mats[1], "ntk_mean": mats[2], "nngp_mean": mats[3],
        })
    assert len(cases) == 3, "could not read the spec's test vectors"
    return cases


SPEC_INPUTS = [
    np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 0.5], [0.0, 1.0]]),
    np.array([[1.0, 0.0], [-0.5, 0.5], [0.25, -1.25], [0.5, 0.5]]),
    np.array([[2.0, -0.5], [0.0, 0.75]]),
]


@pytest.fixture
def ragged():
    """Seven univariate sequences of lengths 5 to 20 (seeded)."""
    rng = np.random.default_rng(3)
    return [rng.standard_normal(int(t)) for t in rng.integers(5, 21, 7)]


def sinusoids(n_per_class, seed, lengths=(20, 60), noise=0.3):
    """Noisy sinusoids of random lengths; the class is the frequency."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for i in range(3 * n_per_class):
        c = i % 3
        t = np.arange(rng.integers(*lengths))
        X.append(np.sin(2 * np.pi * (c + 1) * t / 32 + rng.uniform(0, 2 * np.pi)) + noise * rng.standard_normal(len(t)))
        y.append(c)
    return X, np.array(y)
