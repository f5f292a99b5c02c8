"""NumPy reference for bench/core.bench.ts: the same core operations, timed in one go.

Run by the TypeScript bench (`npm run bench`) with Debian's /usr/bin/python3
(python3-numpy, python3-scipy). Prints one JSON object: median seconds per operation.
It is a measuring stick, not part of the library. The operations mirror the library's:
  - q sample:   x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps           (10^6 elements)
  - posterior:  mu~ = c1_t x_0 + c2_t x_t, beta~_t and its clipped log           (10^6 elements)
  - VLB:        all T = 1000 terms for 64 images of 28x28 with the exact optimal
                eps of Gaussian data N(0, 1/4) as the model (written into a buffer it
                reuses, on both sides, so that the library's work is what is compared),
                fixedSmall variances, noise drawn per step, the discretized decoder with
                the exact normal CDF.
"""
import json
import sys
import time

import numpy as np
from scipy.special import log_ndtr, ndtr


def linear_schedule(T, start=1e-4, end=0.02):
    beta = np.concatenate([[0.0], np.linspace(start, end, T)])
    log_alpha_bar = np.cumsum(np.log1p(-beta))
    alpha_bar = np.exp(log_alpha_bar)
    one_minus = -np.expm1(log_alpha_bar)
    pv = np.zeros(T + 1)
    pv[1:] = beta[1:] * one_minus[:-1] / one_minus[1:]
    plvc = np.log(np.concatenate([[1.0], [pv[2]], pv[2:]]))
    c1 = np.zeros(T + 1)
    c2 = np.zeros(T + 1)
    c1[1:] = np.sqrt(alpha_bar[:-1]) * beta[1:] / one_minus[1:]
    c2[1:] = np.sqrt(1 - beta[1:]) * one_minus[:-1] / one_minus[1:]
    return dict(T=T, beta=beta, alpha_bar=alpha_bar, one_minus=one_minus, pv=pv, plvc=plvc, c1=c1, c2=c2)


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def normal_kl(m1, lv1, m2, lv2):
    return 0.5 * (-1.0 + lv2 - lv1 + np.exp(lv1 - lv2) + (m1 - m2) ** 2 * np.exp(-lv2))


def discretized_log_likelihood(x, mean, log_scale):
    centered = x - mean
    inv_stdv = np.exp(-log_scale)
    plus_in = inv_stdv * (centered + 1.0 / 255.0)
    min_in = inv_stdv * (centered - 1.0 / 255.0)
    log_cdf_plus = log_ndtr(plus_in)
    log_one_minus_cdf_min = log_ndtr(-min_in)
    cdf_delta = ndtr(plus_in) - ndtr(min_in)
    return np.where(
        x < -0.999,
        log_cdf_plus,
        np.where(x > 0.999, log_one_minus_cdf_min, np.log(np.maximum(cdf_delta, 1e-12))),
    )


def vlb(s, x0, m, v, rng):
    T = s["T"]
    eps_buf = np.empty_like(x0)
    ab, om, beta = s["alpha_bar"], s["one_minus"], s["beta"]
    total = np.zeros(x0.shape[0])
    # L_T
    mean_T = np.sqrt(ab[T]) * x0
    total += normal_kl(mean_T, np.log(om[T]), 0.0, 0.0).sum(axis=1)
    for t in range(1, T + 1):
        noise = rng.standard_normal(x0.shape)
        xt = np.sqrt(ab[t]) * x0 + np.sqrt(om[t]) * noise
        # the model: the exact eps of Gaussian data N(m, v), m = 0, v = 1/4:
        # sqrt(1 - ab) (x_t - sqrt(ab) m) / (ab v + 1 - ab), into a buffer it reuses
        eps = np.multiply(xt, np.sqrt(om[t]) / (ab[t] * v + om[t]), out=eps_buf)
        # model mean, Ho et al. Eq. 11
        mean = (xt - beta[t] / np.sqrt(om[t]) * eps) / np.sqrt(1.0 - beta[t])
        log_var = s["plvc"][t]
        if t == 1:
            total += -discretized_log_likelihood(x0, mean, 0.5 * log_var).sum(axis=1)
        else:
            true_mean = s["c1"][t] * x0 + s["c2"][t] * xt
            total += normal_kl(true_mean, np.log(s["pv"][t]), mean, log_var).sum(axis=1)
    return total


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = np.random.default_rng(0)
    s = linear_schedule(1000)
    t = 500
    x0 = rng.uniform(-1, 1, n)
    noise = rng.standard_normal(n)
    xt = np.sqrt(s["alpha_bar"][t]) * x0 + np.sqrt(s["one_minus"][t]) * noise

    def q_sample():
        return np.sqrt(s["alpha_bar"][t]) * x0 + np.sqrt(s["one_minus"][t]) * noise

    def posterior():
        mean = s["c1"][t] * x0 + s["c2"][t] * xt
        return mean, s["pv"][t], s["plvc"][t]

    images = np.round((rng.uniform(-1, 1, (64, 784)) + 1) * 127.5) / 127.5 - 1
    m = 0.0
    v = 0.25

    def run_vlb():
        return vlb(s, images, m, v, np.random.default_rng(1))

    out = {
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "qSample_1e6_s": median_time(q_sample, 101),
        "posterior_1e6_s": median_time(posterior, 101),
        "vlb_T1000_64x784_s": median_time(run_vlb, 3),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
