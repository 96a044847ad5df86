"""rntk.gram and friends: spec vectors, input forms, the CLI, zero copy, threads, errors."""

import os
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

import rntk
from conftest import CLI, DATA, SPEC_INPUTS, spec_cases


@pytest.mark.parametrize("case", spec_cases(), ids=lambda c: f"{c['params']['activation']}-L{c['params']['layers']}")
def test_spec_vectors_through_python(case):
    ntk, nngp = rntk.gram(SPEC_INPUTS, kind="both", **case["params"])
    np.testing.assert_allclose(ntk, case["ntk_last"], rtol=1e-10)
    np.testing.assert_allclose(nngp, case["nngp_last"], rtol=1e-10)


def test_list_equals_padded_2d_equals_3d(ragged):
    longest = max(len(s) for s in ragged)
    padded = np.full((len(ragged), longest), np.nan)
    for i, s in enumerate(ragged):
        padded[i, : len(s)] = s
    aeon = padded[:, None, :]  # (n_cases, n_channels, n_timepoints)
    as_list = rntk.gram(ragged, kind="both", layers=2)
    np.testing.assert_array_equal(rntk.gram(padded, kind="both", layers=2)[0], as_list[0])
    np.testing.assert_array_equal(rntk.gram(aeon, kind="both", layers=2)[1], as_list[1])


def test_multivariate_3d_is_channels_by_time():
    rng = np.random.default_rng(0)
    aeon = rng.standard_normal((4, 3, 9))  # 4 cases, 3 channels, 9 steps
    as_list = [case.T for case in aeon]  # (T, m) each
    np.testing.assert_array_equal(rntk.gram(aeon), rntk.gram(as_list))


def test_python_and_cli_give_identical_matrices(tmp_path):
    source = DATA / "ucr" / "ItalyPowerDemand" / "ItalyPowerDemand_TEST.tsv"
    if not source.exists():
        pytest.skip(f"no {source}")
    out = tmp_path / "K.npy"
    subprocess.run([str(CLI), "gram", str(source), "--kernel", "both", "-L", "2", "--sigma-w", "1.3", "-o", str(out), "-q"],
                   check=True)
    X, labels = rntk.load_sequences(source)
    assert len(X) == 1029 and len(labels) == 1029
    ntk, nngp = rntk.gram(X, kind="both", layers=2, sigma_w=1.3)
    np.testing.assert_array_equal(np.load(tmp_path / "K.ntk.npy"), ntk)
    np.testing.assert_array_equal(np.load(tmp_path / "K.nngp.npy"), nngp)


def test_cross_gram_and_depths(ragged):
    full = rntk.gram(ragged, layers=3)
    cross = rntk.gram(ragged[:3], ragged, layers=3)
    np.testing.assert_array_equal(cross, full[:3])
    depths = rntk.gram(ragged, depths=[1, 3])
    np.testing.assert_array_equal(depths[1], full)
    np.testing.assert_array_equal(depths[0], rntk.gram(ragged, layers=1))


def test_c_contiguous_float64_input_is_not_copied():
    X = np.random.default_rng(1).standard_normal((6, 30))
    X[2, 20:] = np.nan  # a shorter series: viewed with offsets and ends, still no copy
    for array in (X, X[:, :]):
        seqs = rntk.Sequences.of(array)
        assert rntk._rntk.first_value_address(seqs.values) == array.ctypes.data
    assert rntk.Sequences.of(np.asfortranarray(X)).values.ctypes.data != X.ctypes.data  # Fortran order: a copy


def _gram_while_ticking(X):
    """Runs a one-thread gram of X while another thread ticks every 5 ms: (seconds, ticks meanwhile)."""
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    worker = threading.Thread(target=tick)
    worker.start()
    start = time.perf_counter()
    rntk.gram(X, layers=2, n_jobs=1)
    elapsed = time.perf_counter() - start
    stop.set()
    worker.join()
    return elapsed, len([t for t in ticks if start < t < start + elapsed])


def test_gil_is_released_during_a_long_gram():
    # Doubles the number of series until one gram lasts 0.5 s (a holder of the GIL for that long
    # would stop the ticks), however fast the machine: on the 2-core development machine 500 series
    # of 300 steps take about 0.25 s, 1000 series about 1 s.
    n = 500
    while True:
        elapsed, ticks = _gram_while_ticking(np.random.default_rng(2).standard_normal((n, 300)))
        if elapsed > 0.5 or n > 20000:
            break
        n *= 2
    assert elapsed > 0.5, f"{n} series took only {elapsed:.2f} s"
    assert ticks > 0.25 * elapsed / 0.005, f"the other thread ran {ticks} times in {elapsed:.2f} s"


def _peak_threads_during_gram(n_jobs):
    """The most OS threads this process had while a gram ran in another thread (Linux /proc)."""
    X = np.random.default_rng(5).standard_normal((300, 200))
    done = threading.Event()
    caller = threading.Thread(target=lambda: (rntk.gram(X, n_jobs=n_jobs), done.set()))
    peak = 0
    caller.start()
    while not done.is_set():
        peak = max(peak, len(os.listdir("/proc/self/task")))
    caller.join()
    return peak


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through Linux's /proc")
def test_n_jobs_sets_the_number_of_threads():
    # Each call runs on its own worker thread, whose OpenMP team adds n_jobs - 1 threads.
    one = _peak_threads_during_gram(1)
    assert _peak_threads_during_gram(3) == one + 2
    assert _peak_threads_during_gram(5) == one + 4


def test_ctrl_c_interrupts_a_long_gram():
    X = np.random.default_rng(3).standard_normal((3000, 400))
    sent = []
    timer = threading.Timer(0.3, lambda: (sent.append(time.perf_counter()), os.kill(os.getpid(), signal.SIGINT)))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        rntk.gram(X, layers=3, n_jobs=2)
    stopped = time.perf_counter()
    timer.join()
    assert stopped - sent[0] < 1.0  # docs/PYTHON.md: within a second (measured: 0.06 s)
    # The library is usable afterwards.
    assert rntk.gram(X[:3, :10]).shape == (3, 3)


@pytest.mark.parametrize("bad, message", [
    ([["a", "b"], ["c"]], "convertible to float64"),
    (np.zeros((2, 3, 4, 5)), "4 dimensions"),
    (np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]]), "sequence 0, time step 1, channel 0 is NaN"),
    ([np.zeros(3), np.array([0.0, np.inf])], "sequence 1, time step 1, channel 0 is inf"),
    ([np.zeros((3, 2)), np.zeros((4, 3))], "sequence 1 has 3 channels but sequence 0 has 2"),
    (np.array([[1.0, 2.0], [np.nan, np.nan]]), "sequence 1 is empty"),
    ([], "X is empty"),
    (np.array([[1 + 2j, 3]]), "Complex data not supported"),
])
def test_bad_inputs_raise_value_error(bad, message):
    with pytest.raises(ValueError, match=message):
        rntk.gram(bad)


@pytest.mark.parametrize("params, message", [
    (dict(sigma_w=-1), r"parameter sigma_w = -1 is out of range: allowed \[0, 100\]"),
    (dict(layers=0), r"parameter layers = 0 is out of range: allowed integers in \[1, 1000\]"),
    (dict(activation="softsign"), "parameter activation = 'softsign' is not allowed: choose one of relu|erf|identity"),
    (dict(nonsense=1), "unknown parameter 'nonsense'"),
    (dict(sigma_u=[1, 2]), "parameter sigma_u must be a number or a name"),
])
def test_bad_parameters_raise_value_error_with_the_cli_message(ragged, params, message):
    with pytest.raises(ValueError, match=message):
        rntk.gram(ragged, **params)


def test_docstring_lists_every_registry_parameter():
    for p in rntk.params():
        assert f"{p['name']} : {p['type']}, default {p['default']!r}, allowed {p['allowed']}" in rntk.gram.__doc__
        assert p["help"] in rntk.gram.__doc__


def test_version_is_the_cli_version():
    out = subprocess.run([str(CLI), "--version"], check=True, capture_output=True, text=True).stdout
    assert rntk.__version__ == out.strip()


def test_empirical_kernels_approach_the_analytic_ones():
    X = [np.random.default_rng(4).standard_normal((t, 2)) for t in (4, 2, 5)]
    exact_ntk, exact_nngp = rntk.gram(X, kind="both", layers=2, sigma_h=0.5)
    narrow = rntk.empirical_kernels(X, width=64, seeds=4, layers=2, sigma_h=0.5)
    wide = rntk.empirical_kernels(X, width=1024, seeds=4, layers=2, sigma_h=0.5)
    error = lambda k, e: np.linalg.norm(k - e) / np.linalg.norm(e)
    assert error(wide[0], exact_ntk) < error(narrow[0], exact_ntk)
    assert error(wide[0], exact_ntk) < 0.1 and error(wide[1], exact_nngp) < 0.1
