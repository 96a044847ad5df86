"""scikit-learn estimators on rntk's kernels.

RNTKClassifier  a C-SVM (libsvm) or kernel ridge classifier on the RNTK, the NNGP or a baseline
RNTKRegressor   kernel ridge regression on the same kernels
RNTKKernel      a transformer X -> K(X, X_fit), for Pipeline(RNTKKernel(), SVC(kernel="precomputed"))

They follow the estimator contract (get_params / set_params, fit / predict / score, clone, pickle),
so GridSearchCV and cross_val_score work with them. X is anything rntk.Sequences.of takes: a list of
(T_i, m) arrays, a NaN-padded (n, T) array, or an aeon-style (n, channels, T) array. The keyword
parameters are the registry's (docs/PARAMETERS.md); tests check that the signatures below list the
registry's defaults.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from . import Sequences, _engine_params, _rntk

_SQRT2 = 1.4142135623730951
# The registry parameters the estimators take (kernel, preprocessing, learner).
KERNEL_PARAMS = ("kernel", "sigma_w", "sigma_u", "sigma_b", "sigma_h", "sigma_v", "layers", "activation",
                 "readout", "bidirectional", "gamma", "degree", "coef0", "cosine", "z_normalise", "pad", "segment",
                 "target_length", "scales", "scale_factor")
# Nystrom kernel machines (learner = "ridge"): M landmark sequences instead of the whole training set.
NYSTROM_PARAMS = ("nystrom", "landmarks")


def _sequences(X):
    return X if isinstance(X, Sequences) else Sequences.of(X)


def _targets(y):
    if y is None:
        raise ValueError("requires y to be passed, but the target y is None")
    return column_or_1d(y, warn=True)


class _RNTKModel(BaseEstimator):
    """Shared by the classifier and the regressor: a C++ rntk Model fitted on the given settings."""

    def _settings(self, names):
        settings = {name: getattr(self, name) for name in names}
        return _engine_params(settings, self.n_jobs)

    def _fit(self, X, labels, names):
        x = _sequences(X)
        if len(x) != len(labels):
            raise ValueError(f"X has {len(x)} sequences but y has {len(labels)} labels")
        if isinstance(X, np.ndarray) and X.ndim == 2:
            self.n_features_in_ = X.shape[1]
        self.model_ = _rntk.Model.fit(*x.args(), labels, self._settings(names))
        return self

    def _predict(self, X):
        check_is_fitted(self, "model_")
        return self.model_.predict(*_sequences(X).args())


class RNTKClassifier(ClassifierMixin, _RNTKModel):
    """Classify sequences with an SVM (libsvm, one-vs-one) or kernel ridge on the RNTK family."""

    _NAMES = KERNEL_PARAMS + ("learner", "C", "alpha") + NYSTROM_PARAMS

    def __init__(self, kernel="ntk", sigma_w=_SQRT2, sigma_u=1.0, sigma_b=0.1, sigma_h=0.0, sigma_v=1.0,
                 layers=1, activation="relu", readout="last", bidirectional=False, gamma=1.0, degree=3, coef0=1.0,
                 cosine=True, z_normalise=True, pad=False, segment=1, target_length=0, scales=1, scale_factor=2,
                 learner="svm", C=1.0, alpha=1e-3, nystrom=0, landmarks="uniform", n_jobs=None):
        self.kernel = kernel
        self.sigma_w = sigma_w
        self.sigma_u = sigma_u
        self.sigma_b = sigma_b
        self.sigma_h = sigma_h
        self.sigma_v = sigma_v
        self.layers = layers
        self.activation = activation
        self.readout = readout
        self.bidirectional = bidirectional
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.cosine = cosine
        self.z_normalise = z_normalise
        self.pad = pad
        self.segment = segment
        self.target_length = target_length
        self.scales = scales
        self.scale_factor = scale_factor
        self.learner = learner
        self.C = C
        self.alpha = alpha
        self.nystrom = nystrom
        self.landmarks = landmarks
        self.n_jobs = n_jobs

    def fit(self, X, y):
        y = _targets(y)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        # The engine sorts class names as text: zero-padded codes keep the order of classes_.
        width = len(str(len(self.classes_)))
        return self._fit(X, [str(c).zfill(width) for c in codes], self._NAMES)

    def predict(self, X):
        labels, _ = self._predict(X)
        return self.classes_[np.array([int(label) for label in labels], dtype=np.int64)]


class RNTKRegressor(RegressorMixin, _RNTKModel):
    """Kernel ridge regression of numeric targets on the RNTK family."""

    _NAMES = KERNEL_PARAMS + ("alpha",) + NYSTROM_PARAMS

    def __init__(self, kernel="ntk", sigma_w=_SQRT2, sigma_u=1.0, sigma_b=0.1, sigma_h=0.0, sigma_v=1.0,
                 layers=1, activation="relu", readout="last", bidirectional=False, gamma=1.0, degree=3, coef0=1.0,
                 cosine=True, z_normalise=True, pad=False, segment=1, target_length=0, scales=1, scale_factor=2,
                 alpha=1e-3, nystrom=0, landmarks="uniform", n_jobs=None):
        self.kernel = kernel
        self.sigma_w = sigma_w
        self.sigma_u = sigma_u
        self.sigma_b = sigma_b
        self.sigma_h = sigma_h
        self.sigma_v = sigma_v
        self.layers = layers
        self.activation = activation
        self.readout = readout
        self.bidirectional = bidirectional
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.cosine = cosine
        self.z_normalise = z_normalise
        self.pad = pad
        self.segment = segment
        self.target_length = target_length
        self.scales = scales
        self.scale_factor = scale_factor
        self.alpha = alpha
        self.nystrom = nystrom
        self.landmarks = landmarks
        self.n_jobs = n_jobs

    def _settings(self, names):
        return dict(super()._settings(names), task="regression", learner="ridge")

    def fit(self, X, y):
        y = _targets(y).astype(np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("y must be finite numbers")
        return self._fit(X, [repr(float(v)) for v in y], self._NAMES)

    def predict(self, X):
        _, values = self._predict(X)
        return np.asarray(values, dtype=np.float64)


class RNTKKernel(TransformerMixin, BaseEstimator):
    """X -> K(X, X_fit): the kernel between new sequences and the fitted ones, for estimators that
    take precomputed kernels (SVC(kernel="precomputed"), KernelRidge(kernel="precomputed"), ...)."""

    def __init__(self, kernel="ntk", sigma_w=_SQRT2, sigma_u=1.0, sigma_b=0.1, sigma_h=0.0, sigma_v=1.0,
                 layers=1, activation="relu", readout="last", bidirectional=False, gamma=1.0, degree=3, coef0=1.0,
                 cosine=True, z_normalise=True, pad=False, segment=1, target_length=0, scales=1, scale_factor=2,
                 n_jobs=None):
        self.kernel = kernel
        self.sigma_w = sigma_w
        self.sigma_u = sigma_u
        self.sigma_b = sigma_b
        self.sigma_h = sigma_h
        self.sigma_v = sigma_v
        self.layers = layers
        self.activation = activation
        self.readout = readout
        self.bidirectional = bidirectional
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.cosine = cosine
        self.z_normalise = z_normalise
        self.pad = pad
        self.segment = segment
        self.target_length = target_length
        self.scales = scales
        self.scale_factor = scale_factor
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        # Bad parameters fail here, as in the other estimators' fit, not at the first transform.
        _rntk.validate_settings(self._settings())
        x = _sequences(X)
        _rntk.validate(*x.args(), "training data")
        self.fit_sequences_ = Sequences(x.values.copy(), x.offsets.copy(), None if x.ends is None else x.ends.copy())
        self.fit_length_ = int(x.lengths().max())
        if isinstance(X, np.ndarray) and X.ndim == 2:
            self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        check_is_fitted(self, "fit_sequences_")
        return _rntk.model_kernel(*_sequences(X).args(), *self.fit_sequences_.args(), self.fit_length_,
                                  self._settings())

    def _settings(self):
        return _engine_params({name: getattr(self, name) for name in KERNEL_PARAMS}, self.n_jobs)
