"""The scikit-learn estimators: the estimator contract, model selection, pipelines, pickling."""

import inspect
import json
import pickle
import unittest
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import check_estimator

import rntk
from conftest import sinusoids
from rntk.sklearn import KERNEL_PARAMS, RNTKClassifier, RNTKKernel, RNTKRegressor

# Checks of sklearn.utils.estimator_checks that these estimators do not pass, and why
# (docs/PYTHON.md lists them too).
EXPECTED_FAILURES = {
    "check_classifiers_train":
        "predicting on series of another length than the training ones is the point of the RNTK, "
        "not an error (the check expects one when the number of features changes)",
    "check_transformer_general":
        "likewise: the kernel of series of another length is well defined",
}


def defaults():
    return {p["name"]: p["default"] for p in rntk.params()}


@pytest.mark.parametrize("estimator", [RNTKClassifier, RNTKRegressor, RNTKKernel])
def test_signatures_list_the_registry_defaults(estimator):
    registry = defaults()
    signature = inspect.signature(estimator.__init__).parameters
    for name in KERNEL_PARAMS:
        assert signature[name].default == registry[name], name
    for name in ("C", "alpha", "learner", "nystrom", "landmarks"):
        if name in signature:
            assert signature[name].default == registry[name], name


@pytest.mark.parametrize("estimator", [RNTKClassifier(), RNTKRegressor(), RNTKKernel()],
                         ids=lambda e: type(e).__name__)
def test_sklearn_estimator_checks(estimator):
    failed, generated = {}, set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for check in check_estimator(estimator, generate_only=True):
            name = getattr(check[1], "func", check[1]).__name__
            generated.add(name)
            try:
                check[1](check[0])
            except unittest.SkipTest:
                pass  # e.g. the pandas checks: pandas is not installed
            except Exception as e:  # noqa: BLE001 - collect every failing check
                failed[name] = repr(e)[:200]
    unexpected = {k: v for k, v in failed.items() if k not in EXPECTED_FAILURES}
    assert not unexpected, unexpected
    assert "check_estimators_nan_inf" in generated
    assert set(failed) == EXPECTED_FAILURES.keys() & generated, "update EXPECTED_FAILURES (and docs/PYTHON.md)"


@pytest.mark.parametrize("estimator", [RNTKClassifier(), RNTKClassifier(learner="ridge", nystrom=4), RNTKRegressor(),
                                       RNTKKernel()], ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("bad, shown", [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_bad_values_are_reported_where_they_are(estimator, bad, shown):
    X = np.random.default_rng(9).standard_normal((6, 8))
    y = np.arange(6) % 2
    X_bad = X.copy()
    X_bad[1, 2] = bad  # inside series 1: z-normalisation would spread it over the whole series
    with pytest.raises(ValueError, match=f"^training data: sequence 1, time step 2, channel 0 is {shown}; "):
        clone(estimator).fit(X_bad, y)
    fitted = clone(estimator).fit(X, y)
    new = "transform" if isinstance(estimator, RNTKKernel) else "predict"
    with pytest.raises(ValueError, match=f"^sequences to {new}: sequence 1, time step 2, channel 0 is {shown}; "):
        getattr(fitted, new)(X_bad)


def _offset_series(n, seed, spread):
    """Short noisy series around a level whose sign is the class (0: below zero, 1: above)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    return [rng.normal(spread * (2 * c - 1) * rng.uniform(0.2, 1.5), 0.3, size=rng.integers(5, 15)) for c in y], y


def test_svm_predicts_from_the_support_sequences_alone():
    X, y = _offset_series(30, seed=2, spread=1.0)
    params = dict(z_normalise=False, cosine=False)  # the model's kernel is then rntk.gram's
    clf = RNTKClassifier(C=1, **params).fit(X, y)
    model = json.loads(clf.model_.to_json())
    svm = model["learner"]["svm"]
    support = np.split(np.array(model["support"]["values"]), np.cumsum(model["support"]["lengths"])[:-1])
    assert clf.model_.support_size == len(support) == 15  # of 30
    # The model keeps the sequences libsvm (scikit-learn's copy of it) keeps from the training kernel,
    # in its order, with its dual coefficients (negated: scikit-learn's sign for two classes).
    K = rntk.gram(X, **params)
    scale = np.mean(np.diag(K))
    reference = SVC(kernel="precomputed", C=1).fit(K / scale, y)
    assert list(reference.support_) != list(range(15))
    for s, i in zip(support, reference.support_, strict=True):
        np.testing.assert_array_equal(s, X[i])
    np.testing.assert_allclose(svm["coef"][0], -reference.dual_coef_[0], rtol=1e-6)
    # Predictions are the sign of the kernel against the support sequences times the coefficients.
    Xt, _ = _offset_series(60, seed=102, spread=0.5)
    decision = rntk.gram(Xt, support, **params) / svm["kernel_scale"] @ svm["coef"][0] - svm["rho"][0]
    np.testing.assert_allclose(decision, -reference.decision_function(rntk.gram(Xt, X, **params) / scale), rtol=1e-6)
    expected = np.where(decision > 0, *clf.classes_[svm["labels"]])
    assert set(expected) == {0, 1}
    np.testing.assert_array_equal(clf.predict(Xt), expected)


def test_classifier_on_variable_length_sequences():
    X, y = sinusoids(15, seed=1)
    Xt, yt = sinusoids(10, seed=2)
    clf = RNTKClassifier(kernel="nngp", sigma_u=0.5, C=10).fit(X, y)
    assert clf.score(Xt, yt) > 0.6  # chance: 1/3
    assert set(clf.predict(Xt)) <= set(clf.classes_)


def test_string_labels_and_pickle_round_trip():
    X, y = sinusoids(8, seed=3)
    names = np.array(["low", "mid", "high"])[y]
    clf = RNTKClassifier(layers=2, learner="ridge").fit(X, names)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))
    assert clone(clf).get_params() == clf.get_params()


def test_grid_search_over_sigma_w_and_C():
    X, y = sinusoids(10, seed=4)
    search = GridSearchCV(RNTKClassifier(kernel="nngp"), {"sigma_w": [1.2, 1.4142135623730951], "C": [1, 100]},
                          cv=3).fit(X, y)
    assert search.best_params_["sigma_w"] in (1.2, 1.4142135623730951)
    assert search.best_score_ > 0.6
    assert cross_val_score(RNTKClassifier(), X, y, cv=3).shape == (3,)


def test_kernel_transformer_in_a_pipeline_equals_the_classifier():
    X, y = sinusoids(10, seed=5)
    Xt, _ = sinusoids(5, seed=6)
    pipe = Pipeline([("kernel", RNTKKernel(layers=2)), ("svm", SVC(kernel="precomputed", C=10))]).fit(X, y)
    K = RNTKKernel(layers=2).fit(X).transform(X)
    np.testing.assert_allclose(np.diag(K), 1.0)  # cosine-normalised
    raw = rntk.gram([(s - s.mean()) / s.std() for s in X], layers=2)  # z-normalised, not normalised
    np.testing.assert_allclose(K, raw / np.sqrt(np.outer(np.diag(raw), np.diag(raw))), rtol=1e-12)
    assert pipe.predict(Xt).shape == (len(Xt),)


def test_regressor_fits_a_smooth_target():
    rng = np.random.default_rng(7)
    X = [rng.standard_normal(int(t)) + a for t, a in zip(rng.integers(10, 30, 60), rng.uniform(-1, 1, 60))]
    y = np.array([s.mean() for s in X])
    reg = RNTKRegressor(z_normalise=False, cosine=False, alpha=1e-4).fit(X[:40], y[:40])
    assert reg.score(X[40:], y[40:]) > 0.5  # a constant prediction scores about 0


def test_nystrom_with_every_training_sequence_is_exact_kernel_ridge():
    rng = np.random.default_rng(8)
    X = [rng.standard_normal(int(t)) + a for t, a in zip(rng.integers(10, 30, 70), rng.uniform(-1, 1, 70))]
    y = np.array([s.mean() for s in X])
    exact = RNTKRegressor(z_normalise=False, alpha=1e-3).fit(X[:50], y[:50]).predict(X[50:])
    every = RNTKRegressor(z_normalise=False, alpha=1e-3, nystrom=50).fit(X[:50], y[:50])
    np.testing.assert_allclose(every.predict(X[50:]), exact, rtol=1e-8, atol=1e-10 * np.abs(exact).max())
    few = RNTKRegressor(z_normalise=False, alpha=1e-3, nystrom=10, landmarks="kmeans++").fit(X[:50], y[:50])
    assert few.model_.support_size == 10
    assert not np.allclose(few.predict(X[50:]), exact)  # an approximation, not the exact machine
    with pytest.raises(ValueError, match="learner = ridge"):
        RNTKClassifier(nystrom=10).fit(X[:50], (y[:50] > 0).astype(int))


def test_bad_parameters_in_estimators_raise_value_error():
    X, y = sinusoids(3, seed=8)
    with pytest.raises(ValueError, match=r"parameter sigma_w = -2 is out of range"):
        RNTKClassifier(sigma_w=-2).fit(X, y)
    with pytest.raises(ValueError, match=r"parameter kernel = 'gauss' is not allowed"):
        RNTKClassifier(kernel="gauss").fit(X, y)
    # The kernel transformer checks them in fit too, not only at its first transform.
    with pytest.raises(ValueError, match=r"parameter sigma_w = -2 is out of range"):
        RNTKKernel(sigma_w=-2).fit(X)
    with pytest.raises(ValueError, match=r"parameter activation = 'sine' is not allowed"):
        RNTKKernel(activation="sine").fit(X)


def _paa(series, length):
    """Piecewise aggregate approximation written independently of the engine: the mean over each
    of `length` equal parts, a sample cut by a boundary split by its fractions."""
    t = len(series)
    if t <= length:
        return np.asarray(series, dtype=float)
    edges = np.linspace(0.0, t, length + 1)
    cumulative = np.concatenate([[0.0], np.cumsum(series)])
    area = np.interp(edges, np.arange(t + 1), cumulative)  # integral of the step function
    return np.diff(area) / (t / length)


def test_reduced_resolution_kernel_equals_rbf_on_series_reduced_in_numpy():
    rng = np.random.default_rng(4)
    fit = [rng.normal(size=n) for n in (50, 37, 64, 20)]
    new = [rng.normal(size=n) for n in (41, 64)]
    k = RNTKKernel(kernel="rbf", pad=True, target_length=16, gamma=2.0, cosine=False).fit(fit).transform(new)

    def reduced(s):
        z = (s - s.mean()) / s.std()
        r = np.zeros(16)
        p = _paa(z, 16)
        r[: len(p)] = p
        return r

    a = np.array([reduced(s) for s in new])
    b = np.array([reduced(s) for s in fit])
    expected = np.exp(-2.0 / 16 * ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    np.testing.assert_allclose(k, expected, rtol=1e-12)


def test_multiscale_sum_kernel_has_unit_diagonal_and_differs_from_each_part():
    rng = np.random.default_rng(5)
    x = [rng.normal(size=n) for n in (30, 45, 60, 18)]
    both = RNTKKernel(kernel="ntk+nngp", scales=2, segment=2).fit(x).transform(x)
    np.testing.assert_allclose(np.diag(both), 1.0, rtol=1e-12)
    ntk = RNTKKernel(kernel="ntk", scales=2, segment=2).fit(x).transform(x)
    nngp = RNTKKernel(kernel="nngp", scales=2, segment=2).fit(x).transform(x)
    np.testing.assert_allclose(both, (ntk + nngp) / 2, rtol=1e-12)
