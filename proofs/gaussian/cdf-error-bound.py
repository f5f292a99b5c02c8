"""A priori rounding-error bound of the kernels ndtr and logNdtr (proofs/gaussian/cdf.md).

Every float64 operation rounds with relative error at most u = 2^-53 (EPS/2); Math.exp,
Math.log and Math.log1p are within 1 ulp (relative 2u). In Horner's rule the coefficient
a_j of degree j passes through j multiplications and j + 1 additions, so the computed
value of a polynomial with positive coefficients at a positive argument w has relative
error at most u * H(w) with H(w) = sum_j (2j + 1) a_j w^j / sum_j a_j w^j (first order).

This script evaluates the bound of each region on a fine grid of x and prints its
maximum in units of EPS. Run:  /usr/bin/python3 proofs/gaussian/cdf-error-bound.py
"""
import math

import mpmath

u = 2.0 ** -53
EPS = 2.0 ** -52

A = [3.16112374387056560, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153]
B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062]
C = [0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.952221241769090,
     1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8]
D = [15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
     4362.61909014324716, 3439.36767414372164, 1230.33935480374942]
P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766,
     6.58749161529837803e-4, 0.0163153871373020978]
Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191,
     0.00233520497626869185]


def horner_factor(coeffs_by_degree, w):
    """H(w) for a polynomial given as {degree: coefficient}, all coefficients > 0."""
    num = sum((2 * j + 1) * a * w ** j for j, a in coeffs_by_degree.items())
    den = sum(a * w ** j for j, a in coeffs_by_degree.items())
    return num / den


# The polynomials as the kernel evaluates them (degree -> coefficient).
ERF_NUM = {4: A[4], 3: A[0], 2: A[1], 1: A[2], 0: A[3]}           # in w = z^2
ERF_DEN = {4: 1.0, 3: B[0], 2: B[1], 1: B[2], 0: B[3]}
MID_NUM = {8: C[8], 7: C[0], 6: C[1], 5: C[2], 4: C[3], 3: C[4], 2: C[5], 1: C[6], 0: C[7]}  # in z
MID_DEN = {8: 1.0, 7: D[0], 6: D[1], 5: D[2], 4: D[3], 3: D[4], 2: D[5], 1: D[6], 0: D[7]}
BIG_NUM = {5: P[5], 4: P[0], 3: P[1], 2: P[2], 1: P[3], 0: P[4]}  # in w = 1/z^2
BIG_DEN = {5: 1.0, 4: Q[0], 3: Q[1], 2: Q[2], 1: Q[3], 0: Q[4]}

# Relative error of z = fl(|x| * SQRT1_2): the stored constant's error plus one rounding.
SQRT1_2 = 0.7071067811865476
# |0.70710678118654757 - 1/sqrt 2| / (1/sqrt 2) = 9.6e-17 = 0.87 u, then the product.
Z_REL = float(abs(mpmath.mpf(SQRT1_2) - mpmath.sqrt(0.5)) / mpmath.sqrt(0.5)) + u


def erfcx(z):
    return math.exp(z * z) * math.erfc(z) if z < 20 else (1 / math.sqrt(math.pi) / z) * (1 - 1 / (2 * z * z))


def erfcx_bound(z):
    """Relative error bound of erfcxLarge(z) for the computed z, plus the propagated error of z."""
    # Condition of erfcx in z: z erfcx'(z)/erfcx(z) = z (2z - 2/(sqrt(pi) erfcx(z))), |.| <= 1.
    kappa = abs(z * (2 * z - 2 / (math.sqrt(math.pi) * erfcx(z))))
    if z <= 4:
        rel = u * (horner_factor(MID_NUM, z) + horner_factor(MID_DEN, z) + 1)
    else:
        w = 1 / (z * z)
        # w = 1/(z z): 2 roundings; r = w num/den: Horner + 2 roundings, and w's error
        # enters r with factor <= 1 + (w num'/num) + (w den'/den) <= 3.
        r_rel = u * (horner_factor(BIG_NUM, w) + horner_factor(BIG_DEN, w) + 2) + 3 * 2 * u
        num = sum(a * w ** j for j, a in BIG_NUM.items())
        den = sum(a * w ** j for j, a in BIG_DEN.items())
        r = w * num / den
        s = 1 / math.sqrt(math.pi)
        # (1/sqrt(pi) - r) / z: the constant (u), the subtraction (u), the division (u).
        rel = (r_rel * r + u * s) / (s - r) + 2 * u
    # Cody's approximation error: below 1e-18 relative on every interval (Cody 1969, Table II).
    return rel + kappa * Z_REL + 1e-18


def upper_tail_bound(x):
    """Relative error bound of upperTail(|x|) = 1/2 erfcx(z) exp(-delta) exp(-t^2/2)."""
    ax = abs(x)
    delta = 0.5 * (ax - math.trunc(ax * 16) / 16) * (ax + math.trunc(ax * 16) / 16)
    # delta: (u - t) exact, (u + t) and the product round: relative 2u, so exp(-delta)
    # carries 2u delta from its argument and 2u from exp; exp(-t^2/2) 2u (t^2/2 exact);
    # two products: 2u.
    return erfcx_bound(ax * SQRT1_2) + 2 * u * delta + 2 * u + 2 * u + 2 * u


def erf_small_bound(z):
    w = z * z
    kappa = 1.0  # z erf'(z)/erf(z) <= 1
    # w = z z (u, entering num/den with factor <= 2 * max degree weight; bounded by 2 here),
    # Horner num and den, z * num (u), / den (u).
    return u * (horner_factor(ERF_NUM, w) + horner_factor(ERF_DEN, w) + 2 + 2) + kappa * Z_REL


def phi(x):
    return float(mpmath.ncdf(x))


def log_phi(x):
    return float(mpmath.log(mpmath.ncdf(x)))


def bounds(x):
    z = abs(x) * SQRT1_2
    p = phi(x)
    if z <= 0.46875:
        e = math.erf(z)
        b_phi = (erf_small_bound(z) * 0.5 * e + u * p + u * 0.5 * e) / p  # 0.5 +- 0.5 erf: one sum
        b_log = (b_phi * 1 + u * abs(math.log(p))) / abs(math.log(p))    # log: abs err = rel err of p, + 1 ulp
        return b_phi, b_log
    q = phi(-abs(x))
    b_q = upper_tail_bound(x)
    if x < 0:
        b_phi = b_q
        # log Phi = -t^2/2 - delta + log(erfcx/2): three negative terms, abs error <=
        # 2u delta + erfcx_bound + 2u |log(erfcx/2)| + 2u |log Phi| (two sums).
        lp = log_phi(x)
        t = math.trunc(abs(x) * 16) / 16
        delta = 0.5 * (abs(x) - t) * (abs(x) + t)
        lg = abs(math.log(0.5 * erfcx(z)))
        b_log = (2 * u * delta + erfcx_bound(z) + 2 * u * lg + 2 * u * abs(lp)) / abs(lp)
    else:
        b_phi = (b_q * q + u * p) / p
        # log1p(-q): condition q / ((1 - q) |log(1 - q)|), plus 1 ulp of log1p.
        # q / |log1p(-q)| -> 1 as q -> 0 (and q underflows to 0 beyond x = 38.5).
        ratio = 1.0 if q < 1e-300 else q / ((1 - q) * abs(math.log1p(-q)))
        b_log = b_q * ratio + 2 * u
    return b_phi, b_log


def main():
    worst_phi = worst_log = 0.0
    at_phi = at_log = None
    n = 40000
    for i in range(n + 1):
        x = -40 + 80 * i / n
        if x == 0:
            continue
        bp, bl = bounds(x)
        if x < -37.5:
            bp = 0  # subnormal results: covered by the absolute term MIN_VALUE instead
        if bp > worst_phi:
            worst_phi, at_phi = bp, x
        if bl > worst_log:
            worst_log, at_log = bl, x
    print(f'Phi:     max relative error bound {worst_phi / EPS:.2f} EPS (at x = {at_phi:.4f})')
    print(f'log Phi: max relative error bound {worst_log / EPS:.2f} EPS (at x = {at_log:.4f})')


if __name__ == '__main__':
    main()
