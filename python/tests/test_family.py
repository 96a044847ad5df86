"""The kernel family, activations, training dynamics and the finite network through Python."""

import numpy as np
import pytest

import rntk
from conftest import SPEC_INPUTS, spec_cases


@pytest.mark.parametrize("case", spec_cases(), ids=lambda c: f"{c['params']['activation']}-L{c['params']['layers']}")
def test_mean_pool_spec_vectors(case):
    ntk, nngp = rntk.gram(SPEC_INPUTS, kind="both", readout="mean", **case["params"])
    np.testing.assert_allclose(ntk, case["ntk_mean"], rtol=1e-10)
    np.testing.assert_allclose(nngp, case["nngp_mean"], rtol=1e-10)


def test_bidirectional_is_the_sum_of_both_directions(ragged):
    backwards = [s[::-1] for s in ragged]
    both = rntk.gram(ragged, bidirectional=True, readout="mean", layers=2)
    np.testing.assert_allclose(both, rntk.gram(ragged, readout="mean", layers=2) +
                               rntk.gram(backwards, readout="mean", layers=2), rtol=1e-14)


def test_all_layers_frozen_makes_the_ntk_the_nngp(ragged):
    ntk, nngp = rntk.gram(ragged, kind="both", layers=2, frozen_layers=2)
    np.testing.assert_array_equal(ntk, nngp)
    with pytest.raises(ValueError, match=r"frozen_layers = 3 is out of range: allowed integers in \[0, layers = 2\]"):
        rntk.gram(ragged, layers=2, frozen_layers=3)


def test_custom_activation_matches_the_built_in_one(ragged):
    custom = rntk.gram(ragged, activation=rntk.custom_activation(np.tanh, lambda z: 1 - np.tanh(z) ** 2), layers=2)
    np.testing.assert_allclose(custom, rntk.gram(ragged, activation="tanh", layers=2), rtol=1e-8)
    # Without a derivative, central differences of phi serve.
    np.testing.assert_allclose(rntk.gram(ragged, activation=rntk.custom_activation(np.tanh)), rntk.gram(ragged, activation="tanh"),
                               rtol=1e-8)


def test_gradient_flow_limits_and_gp_posterior(ragged):
    y = np.linspace(-1, 1, len(ragged))
    flow = rntk.gradient_flow(ragged, y, ragged[:3], times=[0.0, np.inf], layers=2)
    assert flow.shape == (2, 3)
    np.testing.assert_array_equal(flow[0], 0.0)
    np.testing.assert_allclose(flow[1], y[:3], atol=1e-8)  # kernel regression interpolates the training data
    mean, variance = rntk.gp_posterior(ragged, y, ragged[:3], noise=1e-10, layers=2)
    np.testing.assert_allclose(mean, y[:3], atol=1e-6)
    np.testing.assert_array_less(variance, 1e-6)


def test_gp_posterior_is_the_direct_formula(ragged):
    """Mean Ks (K + noise I)^-1 y and variance k(x, x) - Ks (K + noise I)^-1 Ks^T on new sequences,
    with k(x, x) from a Gram matrix of each sequence alone: the diagonal gp_posterior takes from the
    self statistics (last state, and mean pooling in both directions)."""
    y = np.linspace(-1, 1, len(ragged))
    new = [s[::-1] * 1.5 for s in ragged[:4]]
    for params in ({"layers": 2}, {"readout": "mean", "bidirectional": True, "sigma_h": 0.3}):
        mean, variance = rntk.gp_posterior(ragged, y, new, noise=1e-3, n_jobs=2, **params)
        a = rntk.gram(ragged, kind="nngp", **params) + 1e-3 * np.eye(len(ragged))
        ks = rntk.gram(new, ragged, kind="nngp", **params)
        own = np.array([rntk.gram([s], kind="nngp", **params)[0, 0] for s in new])
        np.testing.assert_allclose(mean, ks @ np.linalg.solve(a, y), rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(variance, own - np.einsum("ij,ji->i", ks, np.linalg.solve(a, ks.T)),
                                   rtol=1e-6, atol=1e-9 * own.max())
        assert variance.min() > 1e-3 * own.max()  # new sequences: the posterior is still uncertain


def test_finite_network_training_reduces_the_loss(ragged):
    net = rntk.FiniteRNN(1, width=256, seed=5, layers=1)
    y = np.linspace(-1, 1, len(ragged))
    history = net.train(ragged, y, eta=0.005, steps=10)
    assert history.shape == (11, len(ragged))
    assert np.linalg.norm(history[-1] - y) < np.linalg.norm(history[0] - y)
    np.testing.assert_allclose(net.outputs(ragged), history[-1], rtol=1e-12)
