"""rntk: the Recurrent Neural Tangent Kernel (RNTK) and NNGP of infinitely wide deep Elman RNNs.

Sequences can be given as
  - a list of arrays of shape (T_i, m) or (T_i,): ragged, any lengths;
  - a 2-D array (n, T): n univariate series, shorter ones padded with NaN at the end;
  - a 3-D array (n_cases, n_channels, n_timepoints), the aeon/sktime convention, NaN-padded.
A C-contiguous float64 2-D array is read in place, without a copy.

Functions: gram, empirical_kernels, load_sequences, params, custom_activation, gradient_flow,
gp_posterior and the class FiniteRNN; scikit-learn estimators in rntk.sklearn.
Parameters are those of the command-line tool (docs/PARAMETERS.md), with the same names, defaults,
ranges and error messages.
"""

import numpy as np

from . import _rntk

__version__ = _rntk.__version__
__all__ = ["gram", "empirical_kernels", "load_sequences", "params", "Sequences", "InvalidSequences",
           "custom_activation", "gradient_flow", "gp_posterior", "FiniteRNN", "__version__"]


class InvalidSequences(ValueError, TypeError):
    """Data that cannot be read as sequences of real numbers (a ValueError, and a TypeError for code
    that expects one for values of the wrong type)."""


def params():
    """Every parameter: a list of dicts with name, group, type, default, allowed, help."""
    return _rntk.params()


class Sequences:
    """A set of sequences in rntk's layout: values (steps, m), offsets, optional ends (docs/DESIGN.md).

    Build one with Sequences.of(X); the engine reads its arrays without copying them again.
    """

    def __init__(self, values, offsets, ends=None):
        self.values = values
        self.offsets = offsets
        self.ends = ends

    def __len__(self):
        return len(self.ends) if self.ends is not None else len(self.offsets) - 1

    @property
    def dim(self):
        return self.values.shape[1]

    def lengths(self):
        ends = self.ends if self.ends is not None else self.offsets[1:]
        return ends - self.offsets[: len(self)]

    def arrays(self):
        """The sequences as a list of (T_i, m) arrays (views)."""
        lengths = self.lengths()
        return [self.values[o : o + t] for o, t in zip(self.offsets[: len(self)], lengths)]

    def args(self):
        return self.values, self.offsets, self.ends, len(self)

    @staticmethod
    def of(X):
        """Sequences from a list of arrays, a NaN-padded 2-D array or a 3-D aeon-style array."""
        if isinstance(X, Sequences):
            return X
        if isinstance(X, (list, tuple)):
            return _from_list(X)
        if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
            raise InvalidSequences("sparse input is not supported: sequences are dense arrays")
        array = _float_array(X)
        if array.ndim == 2 and array.shape[1] == 0:
            raise InvalidSequences(f"0 feature(s) (shape={array.shape}) while a minimum of 1 is required: "
                                   "every sequence needs at least one time step")
        if array.ndim == 2:
            return _from_padded(array, channels_last=False)
        if array.ndim == 3:
            return _from_padded(np.ascontiguousarray(array.transpose(0, 2, 1)), channels_last=True)
        raise InvalidSequences(
            "X must be a list of arrays (T_i, m), a 2-D array (n, T) or a 3-D array (n, channels, T); "
            f"got an array with {array.ndim} dimensions"
            + (". Reshape your data: X.reshape(1, -1) holds one series" if array.ndim == 1 else "")
        )


def _float_array(x):
    try:
        array = np.asarray(x)
        if array.dtype.kind == "c":
            raise InvalidSequences("Complex data not supported: sequences must be real numbers")
        return array.astype(np.float64, copy=False)
    except (TypeError, ValueError) as e:
        if isinstance(e, InvalidSequences):
            raise
        raise InvalidSequences(f"sequences must be numbers convertible to float64: {e}") from None


def _valid_length(rows):
    """Steps before the trailing all-NaN padding of one sequence (rows: (T, m))."""
    finite_rows = ~np.all(np.isnan(rows), axis=1)
    if not finite_rows.any():
        return 0
    return int(np.flatnonzero(finite_rows)[-1]) + 1


def _from_list(items):
    if len(items) == 0:
        raise InvalidSequences("no sequences: X is empty")
    arrays = []
    for i, item in enumerate(items):
        a = _float_array(item)
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2:
            raise InvalidSequences(f"sequence {i} must be 1-D (T,) or 2-D (T, m), got {a.ndim} dimensions")
        if arrays and a.shape[1] != arrays[0].shape[1]:
            raise InvalidSequences(f"sequence {i} has {a.shape[1]} channels but sequence 0 has {arrays[0].shape[1]}")
        arrays.append(a[: _valid_length(a)])
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return Sequences(np.ascontiguousarray(np.concatenate(arrays)), offsets)


def _from_padded(array, channels_last):
    """(n, T) univariate or (n, T, m) after transposition; trailing NaN steps are padding."""
    n = array.shape[0]
    if n == 0:
        raise InvalidSequences("no sequences: X is empty")
    T = array.shape[1]
    steps = array.reshape(n, T, -1) if channels_last else array.reshape(n, T, 1)
    values = np.ascontiguousarray(steps.reshape(n * T, -1))  # a view when array is C-contiguous
    padded = np.isnan(steps).all(axis=2)
    offsets = np.arange(n, dtype=np.int64) * T
    if not padded[:, -1].any():
        return Sequences(values, np.append(offsets, n * T))
    lengths = np.array([_valid_length(steps[i]) for i in range(n)], dtype=np.int64)
    return Sequences(values, offsets, offsets + lengths)


def custom_activation(phi, dphi=None, lo=-20.0, hi=20.0, samples=16385):
    """An activation from a Python function, for activation=custom_activation(np.tanh, ...).

    phi (and its derivative dphi, or central differences of phi) is sampled once at `samples`
    equally spaced points of [lo, hi]; the engine interpolates phi by cubic Hermite polynomials (whose
    derivative is phi') and extends it linearly beyond. With the defaults, tanh sampled this way gives
    kernels within 1e-9 of the built-in tanh (65537 samples: 1e-12). The dual activations come from
    quadrature (docs/DESIGN.md).
    """
    z = np.linspace(lo, hi, samples)
    values = np.asarray(phi(z), dtype=np.float64)
    if dphi is None:
        h = 1e-5
        slopes = (np.asarray(phi(z + h), dtype=np.float64) - np.asarray(phi(z - h), dtype=np.float64)) / (2 * h)
    else:
        slopes = np.asarray(dphi(z), dtype=np.float64)
    if values.shape != z.shape or slopes.shape != z.shape:
        raise ValueError("phi and dphi must map an array to an array of the same shape")
    return _Sampled(float(lo), float(hi), values, slopes)


class _Sampled:
    def __init__(self, lo, hi, values, slopes):
        self.args = (lo, hi, values.tolist(), slopes.tolist())


def _engine_params(params, n_jobs=None):
    if n_jobs is not None:
        params = dict(params, threads=0 if n_jobs in (-1, 0) else int(n_jobs))
    if isinstance(params.get("activation"), _Sampled):
        params = dict(params)
        params["custom_activation"] = params.pop("activation").args
    return params


def gram(X, Y=None, kind="ntk", depths=None, n_jobs=None, **params):
    """The last-state RNTK ("ntk"), the NNGP ("nngp") or both ("both") as NumPy arrays.

    K(X, X) when Y is None (symmetric), else K(X, Y) with rows X and columns Y. depths: a list of
    depths (1 .. layers) to return at once, e.g. [1, 2, 3]: each is a list of arrays then.
    n_jobs: threads (None or -1: all). Other keywords are the parameters below.
    """
    if kind not in ("ntk", "nngp", "both"):
        raise ValueError(f"kind must be 'ntk', 'nngp' or 'both', got {kind!r}")
    params = _engine_params(params, n_jobs)
    if depths is not None:
        depths = sorted(int(d) for d in depths)
        if not depths or depths[0] < 1:
            raise ValueError("depths must be a non-empty list of depths >= 1")
        params = dict(params, layers=depths[-1])
    x = Sequences.of(X)
    y = Sequences.of(Y) if Y is not None else None
    ntk, nngp = _rntk.gram(*x.args(), *(y.args() if y else (None, None, None, 0)), kind,
                           depths is not None and len(depths) > 1, params)
    if depths is not None:
        ntk = [ntk[d - 1] for d in depths] if ntk else ntk
        nngp = [nngp[d - 1] for d in depths] if nngp else nngp
    else:
        ntk = ntk[-1] if ntk else None
        nngp = nngp[-1] if nngp else None
    if kind == "both":
        return ntk, nngp
    return ntk if kind == "ntk" else nngp


def empirical_kernels(X, width=1024, seeds=1, seed=1, n_jobs=None, **params):
    """The finite-width network's empirical NTK and NNGP on K(X, X), averaged over `seeds` networks.

    The network is the spec's Elman RNN at hidden width `width`, in the NTK parameterisation; its
    kernels converge to gram(X, kind="both", ...) as the width grows (error ~ 1/sqrt(width)).
    """
    return _rntk.empirical_kernels(*Sequences.of(X).args(), int(width), int(seeds), int(seed),
                                   _engine_params(params, n_jobs))


def _targets(y):
    y = np.asarray(y, dtype=np.float64)
    return y[:, None] if y.ndim == 1 else y


def gradient_flow(X, y, X_test, times=(np.inf,), eta=1.0, n_jobs=None, **params):
    """Mean predictions on X_test of the infinitely wide RNN trained on (X, y) by gradient flow on
    the squared error with learning rate eta, for each time (np.inf: kernel regression with the
    NTK). Returns an array (len(times), n_test) for 1-D y, (len(times), n_test, k) for (n, k) y.
    """
    theta_train = gram(X, n_jobs=n_jobs, **params)
    theta_test = gram(X_test, X, n_jobs=n_jobs, **params)
    out = np.stack(_rntk.gradient_flow(theta_train, theta_test, _targets(y), float(eta), [float(t) for t in times]))
    return out[..., 0] if np.ndim(y) == 1 else out


def gp_posterior(X, y, X_test, noise=1e-6, n_jobs=None, **params):
    """Posterior mean and variance on X_test of the Gaussian process whose prior is the NNGP, given
    (X, y) observed with Gaussian noise of this variance."""
    k_train = gram(X, kind="nngp", n_jobs=n_jobs, **params)
    k_test = gram(X_test, X, kind="nngp", n_jobs=n_jobs, **params)
    diagonal = _rntk.self_kernels(*Sequences.of(X_test).args(), False, _engine_params(params, n_jobs))
    mean, variance = _rntk.gp_posterior(k_train, k_test, diagonal, _targets(y), float(noise))
    return (mean[:, 0] if np.ndim(y) == 1 else mean), variance


class FiniteRNN:
    """The finite-width network of the kernels (docs/DESIGN.md): width n, NTK parameterisation.

    outputs(X) evaluates it; train(X, y, eta, steps) runs full-batch gradient descent on the squared
    error and returns the outputs on X before each step and after the last.
    """

    def __init__(self, input_dim, width=1024, seed=1, **params):
        self._net = _rntk.FiniteRNN(int(input_dim), int(width), int(seed), _engine_params(params))

    def outputs(self, X):
        return np.asarray(self._net.outputs(*Sequences.of(X).args()))

    def train(self, X, y, eta, steps):
        return np.stack(self._net.train(*Sequences.of(X).args(), [float(v) for v in y], float(eta), int(steps)))


def load_sequences(path, csv_labels=False, interpolate_missing=False):
    """(list of (T_i, m) arrays, list of labels) from a UCR .tsv, UEA .ts or .csv file."""
    values, offsets, labels = _rntk.read_sequences(str(path), csv_labels, interpolate_missing)
    return Sequences(values, offsets).arrays(), labels


def _parameters_doc():
    lines = ["", "Parameters", "----------"]
    for p in params():
        lines.append(f"{p['name']} : {p['type']}, default {p['default']!r}, allowed {p['allowed']}")
        lines.append(f"    {p['help']}")
    return "\n".join(lines)


gram.__doc__ += _parameters_doc()
