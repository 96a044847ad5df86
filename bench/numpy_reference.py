"""The straightforward NumPy formulation of the RNTK recursion (../shared/spec/RNTK.md section 3), the
reference the engine is benchmarked against.

Like the authors' published GPU code, it steps all pairs of a block of the Gram matrix through time
together, one time step at a time, with whole-array NumPy operations. Sequences are aligned at their
last step: pair (i, j) walks the last min(T_i, T_j) steps, and a mask keeps pairs that have not
started at zero. Blocks of pairs run on a thread pool (NumPy releases the GIL inside its array
operations), so it uses as many cores as it is given. It runs with /usr/bin/python3 and Debian's
NumPy; nothing else.

    values  (total_steps, m) float64, all sequences one after another
    offsets (N + 1,) int64, sequence i is values[offsets[i]:offsets[i + 1]]
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np


def _dual(activation, s, qa, qb):
    """V and V' of [[qa, s], [s, qb]] (spec section 2), elementwise."""
    if activation == "relu":
        c = np.sqrt(qa * qb)
        with np.errstate(invalid="ignore", divide="ignore"):
            lam = np.where(c > 0, s / c, 0.0)
        lam = np.clip(lam, -1.0, 1.0)
        angle = np.pi - np.arccos(lam)
        return c * (lam * angle + np.sqrt(1.0 - lam * lam)) / (2 * np.pi), angle / (2 * np.pi)
    arg = np.clip(2 * s / np.sqrt((1 + 2 * qa) * (1 + 2 * qb)), -1.0, 1.0)
    prod = qa * qb
    with np.errstate(invalid="ignore", divide="ignore"):
        rho2 = np.where(prod > 0, np.minimum(1.0, s * s / prod), 0.0)
    det = 1 + 2 * (qa + qb) + 4 * prod * (1 - rho2)
    return 2 / np.pi * np.arcsin(arg), 4 / np.pi / np.sqrt(det)


def _dual_self(activation, q):
    if activation == "relu":
        return q / 2, np.full_like(q, 0.5)
    return 2 / np.pi * np.arcsin(2 * q / (1 + 2 * q)), 4 / np.pi / np.sqrt(1 + 4 * q)


def _aligned(values, offsets, longest):
    """(N, longest, m) with each sequence at the end (zeros before it) and its lengths."""
    n = len(offsets) - 1
    m = values.shape[1]
    out = np.zeros((n, longest, m))
    lengths = np.diff(offsets)
    for i in range(n):
        out[i, longest - lengths[i]:] = values[offsets[i]:offsets[i + 1]]
    return out, lengths


def _self_variances(x, lengths, p):
    """q[i, k, l]: variance of sequence i at aligned step k, layer l, and its diagonal kernels."""
    n, T, m = x.shape
    L = p["layers"]
    q = np.zeros((n, T, L))
    start = T - lengths
    v = np.zeros((n, L))
    vth = np.zeros((n, L))
    for t in range(T):
        active = t >= start
        first = t == start
        inp = p["su"] ** 2 / m * np.einsum("nd,nd->n", x[:, t], x[:, t])
        inp_th = np.zeros(n)
        for l in range(L):
            prev_v = np.where(first, p["sh"] ** 2, v[:, l])
            prev_vth = np.where(first, 0.0, vth[:, l])
            s = p["sw"] ** 2 * prev_v + inp + p["sb"] ** 2
            th = s + p["sw"] ** 2 * prev_vth + inp_th
            dv, ddv = _dual_self(p["activation"], s)
            v[:, l] = np.where(active, dv, 0.0)
            vth[:, l] = np.where(active, ddv * th, 0.0)
            q[:, t, l] = np.where(active, s, 1.0)
            inp, inp_th = p["su"] ** 2 * v[:, l], p["su"] ** 2 * vth[:, l]
    sv2 = p["sv"] ** 2
    return q, sv2 * (v[:, -1] + vth[:, -1]), sv2 * v[:, -1]


def _block(xr, lr, qr, xc, lc, qc, p):
    """NTK and NNGP of every (row, column) pair of one block, all pairs stepped together."""
    T, m = xr.shape[1], xr.shape[2]
    L = p["layers"]
    walk = np.minimum(lr[:, None], lc[None, :])
    v = np.zeros((L, len(lr), len(lc)))
    vth = np.zeros_like(v)
    for t in range(T):
        active = (T - t) <= walk  # k = T - 1 - t steps before the end; active when k < walk
        inp = p["su"] ** 2 / m * (xr[:, t] @ xc[:, t].T)
        inp_th = 0.0
        for l in range(L):
            s = p["sw"] ** 2 * v[l] + inp + p["sb"] ** 2
            th = s + p["sw"] ** 2 * vth[l] + inp_th
            dv, ddv = _dual(p["activation"], s, qr[:, t, l][:, None], qc[:, t, l][None, :])
            v[l] = np.where(active, dv, 0.0)
            vth[l] = np.where(active, ddv * th, 0.0)
            inp, inp_th = p["su"] ** 2 * v[l], p["su"] ** 2 * vth[l]
    sv2 = p["sv"] ** 2
    return sv2 * (v[-1] + vth[-1]), sv2 * v[-1]


def gram(values, offsets, params, threads=2, block=250):
    """Symmetric K(X, X): (NTK, NNGP). params: sw, su, sb, sh, sv, layers, activation."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    x, lengths = _aligned(values, offsets, int(lengths.max()))
    q, ntk_diag, nngp_diag = _self_variances(x, lengths, params)
    n = len(lengths)
    ntk = np.empty((n, n))
    nngp = np.empty((n, n))
    starts = range(0, n, block)
    jobs = [(a, b) for a in starts for b in starts if b >= a]

    def run(job):
        a, b = job
        ra, rb = slice(a, min(n, a + block)), slice(b, min(n, b + block))
        k, g = _block(x[ra], lengths[ra], q[ra], x[rb], lengths[rb], q[rb], params)
        ntk[ra, rb], nngp[ra, rb] = k, g
        ntk[rb, ra], nngp[rb, ra] = k.T, g.T

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, jobs))
    # A sequence with itself: the exact self walk (correlation 1), as the spec prescribes.
    ntk[np.diag_indices(n)] = ntk_diag
    nngp[np.diag_indices(n)] = nngp_diag
    return ntk, nngp
