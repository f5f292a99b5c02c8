"""NumPy reference for bench/samplers.bench.ts: the same two samplers, timed in one go.

Run by the TypeScript bench (`npm run bench:samplers`) with Debian's /usr/bin/python3
(python3-numpy). Prints one JSON object. A measuring stick, not part of the library.

The data: p = 1/5 N((-5,-5), I) + 4/5 N((5,5), I) (Song and Ermon 2019, Section 3).
Both samplers use the exact score of the noise-perturbed mixture, computed the way the
library computes it for any Gaussian mixture: log-weights plus Gaussian log-densities
through the Cholesky factors of the component covariances, log-sum-exp responsibilities,
and the responsibility-weighted component scores -Sigma_k^{-1}(x - mu_k).

  - annealed Langevin (NCSN Algorithm 1): sigmas geometric 10 -> 0.1, L = 10, T = 100
    steps per level, alpha_i = eps sigma_i^2 / sigma_L^2, eps = 0.002 (as examples/ncsn-mixture.ts);
    x <- x + alpha_i / 2 s(x, sigma_i) + sqrt(alpha_i) z.
  - Euler-Maruyama on the reverse VE SDE (sigma_min = 0.01, sigma_max = 50 as Song et
    al. 2021's VE defaults), N = 1000 steps from t = 1 to eps = 1e-5, score of
    p_t = p * N(0, (sigma(t)^2 - sigma_min^2) I):
    x_mean = x + g(t)^2 s(x, t) |dt|, x = x_mean + g(t) sqrt(|dt|) z.
"""
import json
import sys
import time

import numpy as np

WEIGHTS = np.array([0.2, 0.8])
MEANS = np.array([[-5.0, -5.0], [5.0, 5.0]])
COVS = np.array([np.eye(2), np.eye(2)])


def mixture_score(x, var_add):
    """Score of sum_k w_k N(mu_k, Sigma_k + var_add I) at the rows of x (n, d)."""
    d = x.shape[1]
    K = len(WEIGHTS)
    log_terms = np.empty((x.shape[0], K))
    solves = []
    for k in range(K):
        L = np.linalg.cholesky(COVS[k] + var_add * np.eye(d))
        Linv = np.linalg.inv(L)
        y = (x - MEANS[k]) @ Linv.T  # L^{-1}(x - mu_k) per row
        log_det = 2.0 * np.sum(np.log(np.diag(L)))
        log_terms[:, k] = np.log(WEIGHTS[k]) - 0.5 * (np.sum(y * y, axis=1) + log_det + d * np.log(2 * np.pi))
        solves.append(y @ Linv)  # L^{-T} L^{-1}(x - mu_k) = Sigma^{-1}(x - mu_k), per row
    m = log_terms.max(axis=1, keepdims=True)
    r = np.exp(log_terms - m)
    r /= r.sum(axis=1, keepdims=True)
    out = np.zeros_like(x)
    for k in range(K):
        out -= r[:, k : k + 1] * solves[k]
    return out


def annealed(n, rng, L=10, T=100, eps=2e-3):
    sigmas = np.geomspace(10.0, 0.1, L)
    x = rng.uniform(-8.0, 8.0, size=(n, 2))
    for sigma in sigmas:
        alpha = eps * sigma**2 / sigmas[-1] ** 2
        for _ in range(T):
            z = rng.standard_normal((n, 2))
            x = x + 0.5 * alpha * mixture_score(x, sigma**2) + np.sqrt(alpha) * z
    return x


def euler_maruyama(n, rng, N=1000, sigma_min=0.01, sigma_max=50.0, eps=1e-5):
    log_ratio = np.log(sigma_max / sigma_min)
    x = sigma_max * rng.standard_normal((n, 2))
    ts = np.linspace(1.0, eps, N)
    dt = (eps - 1.0) / N
    x_mean = x
    for t in ts:
        sigma = sigma_min * (sigma_max / sigma_min) ** t
        g2 = sigma**2 * 2.0 * log_ratio
        s = mixture_score(x, sigma**2 - sigma_min**2)
        x_mean = x + g2 * s * abs(dt)
        x = x_mean + np.sqrt(g2 * abs(dt)) * rng.standard_normal((n, 2))
    return x_mean


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rng = np.random.default_rng(0)
    out = {"numpy": np.__version__, "particles": n}
    for name, fn, steps in (("annealed", annealed, 1000), ("eulerMaruyama", euler_maruyama, 1000)):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            x = fn(n, rng)
            times.append(time.perf_counter() - t0)
        out[f"{name}_s"] = float(np.median(times))
        out[f"{name}_particle_steps_per_s"] = n * steps / float(np.median(times))
        out[f"{name}_mode1_fraction"] = float(np.mean(x[:, 0] + x[:, 1] < 0))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
