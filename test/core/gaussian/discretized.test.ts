/**
 * DDPM's discretized decoder (Ho et al. 2020, Eq. 13): bin log-probabilities against
 * mpmath deep in the tails, the normalization over the 256 bins, finiteness on the whole
 * domain, the open edge bins and the mirror symmetry.
 *
 * Error bound (proofs/gaussian/discretized.md, "Accuracy"): with the exact standardized
 * centre c = (x_k - mu)/s, half-width h = 1/(255 s), edges a = c - h, b = c + h and the
 * sensitivities dc = |c d(log P)/dc|, dh = |h d(log P)/dh|, dab = |a d/da| + |b d/db|
 * (from the fixture),
 *     |error| <= EPS (F |log P| + 3 dc + 1.5 dh + 0.5 dab [edges formed]),
 * where c and h are computed within 3 EPS and 1.5 EPS relative, the edges round once
 * (only outside the narrow-bin series), and F bounds the forward error of each branch:
 * 16 (edge bins, log Phi), 6 (narrow-bin series), 90 (other interior bins).
 *
 * @see proofs/gaussian/discretized.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { BIN_SERIES_SWITCH, discretizedBinLogProb, discretizedLogLikelihoodInto } from '../../../src/_internal/gaussian-kernels.js';
import { discretizedLogLikelihood, logNormalCdf } from '../../../src/core/gaussian/index.js';
import { arbDecoder } from '../../arbitraries/arb-decoder.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { binRows } from './fixtures.js';

const F_EDGE = 16;
const F_SERIES = 6;
const F_INTERIOR = 90;

/** The 256 grid points x_k = 2k/255 - 1. */
const GRID = Float64Array.from({ length: 256 }, (_, k) => (2 * k) / 255 - 1);

/** The bound above for one fixture row (both branches' terms near the series switch). */
function binTolerance(r: { k: number; logP: number; c: number; h: number; dc: number; dh: number; dab: number }): number {
  const edge = r.k === 0 || r.k === 255;
  const w = r.h * Math.max(Math.abs(r.c), 1);
  const maybeSeries = !edge && w <= BIN_SERIES_SWITCH * (1 + 1e-12);
  const maybeOther = !edge && w >= BIN_SERIES_SWITCH * (1 - 1e-12);
  const f = edge ? F_EDGE : maybeOther ? F_INTERIOR : F_SERIES;
  const edgesFormed = edge || maybeOther || !maybeSeries;
  return EPS * (f * Math.abs(r.logP) + 3 * r.dc + 1.5 * r.dh + (edgesFormed ? 0.5 * r.dab : 0));
}

describe('bins', () => {
  test('gaussian/discretized#bins: log P_k matches mpmath (exact, 120+ digits) within the backward-error bound, tails included', () => {
    expect(binRows.length).toBeGreaterThan(1000);
    for (const r of binRows) {
      const x = GRID[r.k]!;
      const got = discretizedLogLikelihood(x, r.mean, r.logScale);
      expect(Number.isFinite(got), `k = ${r.k}, mean = ${r.mean}, logScale = ${r.logScale}`).toBe(true);
      expectClose(got, r.logP, { atol: binTolerance(r) }, { ...r });
    }
  });

  test('gaussian/discretized#bins: deep-tail bins are finite where log(Phi(b) - Phi(a)) in float64 gives -Infinity', () => {
    // mean 3, s = e^-8: bin 1 sits ~11900 scales away, log P ~ -7.1e7; the plain
    // difference of CDFs is 0 - 0 there.
    const tail = binRows.filter((r) => r.logP < -1e4);
    expect(tail.length).toBeGreaterThan(50);
    for (const r of tail) {
      const got = discretizedLogLikelihood(GRID[r.k]!, r.mean, r.logScale);
      expectClose(got, r.logP, { atol: binTolerance(r) }, { ...r });
    }
  });

  test('gaussian/discretized#bins: the ndarray form, broadcast scalars and the Into kernel agree with the scalar form', () => {
    const n = binRows.length;
    const xs = Float64Array.from(binRows, (r) => GRID[r.k]!);
    const ms = Float64Array.from(binRows, (r) => r.mean);
    const ls = Float64Array.from(binRows, (r) => r.logScale);
    const out = discretizedLogLikelihood(ndarray(xs, [n]), ndarray(ms, [n]), ndarray(ls, [n]));
    const into = discretizedLogLikelihoodInto(new Float64Array(n), xs, ms, ls);
    for (let i = 0; i < n; i++) {
      const k = binRows[i]!.k;
      expect(out.data[i]).toBe(discretizedBinLogProb(k, ms[i]!, ls[i]!));
      expect(into[i]).toBe(out.data[i]);
    }
    const img = discretizedLogLikelihood(ndarray(GRID.slice(0, 6), [2, 3]), 0.1, -2);
    expect(img.shape).toEqual([2, 3]);
    expect(img.get(1, 2)).toBe(discretizedBinLogProb(5, 0.1, -2));
  });

  test('gaussian/discretized#bins: x within 1e-6 of a grid point is snapped to it (uint8 / 127.5 - 1 rounding)', () => {
    for (const k of [0, 1, 77, 254, 255]) {
      const exact = discretizedLogLikelihood(GRID[k]!, 0.2, -3);
      expect(discretizedLogLikelihood(GRID[k]! + (k === 255 ? -9e-7 : 9e-7), 0.2, -3)).toBe(exact);
      expect(discretizedLogLikelihood(k / 127.5 - 1, 0.2, -3)).toBe(exact);
    }
  });
});

describe('normalization', () => {
  test.prop([arbDecoder()])(
    'gaussian/discretized#normalization: the 256 bin probabilities sum to 1 for mean in [-3, 3], logScale in [-8, 2]',
    ({ mean, logScale }) => {
      // Sum_k p_k (1 + delta_k) - 1 with |delta_k| the bound above, multiplied by p_k:
      // F |log p_k| p_k sums to at most 90 ln 256 = 499.1; p_k (3 dc + 1.5 dh + 0.5 dab)
      // sums to at most 438.2 + 3.6 h (|c| <= |a| + h, |a| phi(a) <= 0.242, and
      // 2h sum_j phi(e_j) <= 1 + 0.8 h over the 255 inner edges); the 256-term sum rounds
      // by at most 255 u = 127.5 EPS and each exp by u (0.5 EPS in all).
      const lp = discretizedLogLikelihood(ndarray(GRID.slice(), [256]), mean, logScale).data;
      let sum = 0;
      for (let k = 0; k < 256; k++) sum += Math.exp(lp[k]!);
      const h = Math.exp(-logScale) / 255;
      expectClose(sum, 1, { atol: EPS * (1066 + 3.6 * h) }, { mean, logScale });
    },
  );

  test('gaussian/discretized#normalization: sums to 1 at the extremes of the range and with the mean on a bin edge', () => {
    for (const [mean, logScale] of [
      [-3, -8],
      [3, -8],
      [-3, 2],
      [3, 2],
      [0, -8],
      [1 / 255, -8],
      [-1, -8],
      [1, 2],
    ] as const) {
      const lp = discretizedLogLikelihood(ndarray(GRID.slice(), [256]), mean, logScale).data;
      let sum = 0;
      for (let k = 0; k < 256; k++) sum += Math.exp(lp[k]!);
      expectClose(sum, 1, { atol: EPS * (1066 + (3.6 * Math.exp(-logScale)) / 255) }, { mean, logScale });
    }
  });
});

describe('finite and symmetric', () => {
  const arbMean = fc.oneof(
    fc.double({ min: -3, max: 3, noNaN: true }),
    fc.double({ min: -1e100, max: 1e100, noNaN: true }),
    fc.constantFrom(-1e100, 1e100, 0, -1, 1),
  );
  const arbLogScale = fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), fc.constantFrom(-100, 100, 0));

  test.prop([fc.integer({ min: 0, max: 255 }), arbMean, arbLogScale])(
    'gaussian/discretized#finite: log P_k is finite and <= 0 for every bin on the whole domain (|mean| <= 1e100, |logScale| <= 100)',
    (k, mean, logScale) => {
      const lp = discretizedLogLikelihood(GRID[k]!, mean, logScale);
      expect(Number.isFinite(lp), `k = ${k}, mean = ${mean}, logScale = ${logScale}: ${lp}`).toBe(true);
      expect(lp).toBeLessThanOrEqual(0);
    },
  );

  test.prop([fc.integer({ min: 0, max: 255 }), arbMean, arbLogScale])(
    'gaussian/discretized#symmetry: log P(k | mu, s) = log P(255 - k | -mu, s), bit for bit',
    (k, mean, logScale) => {
      expect(discretizedLogLikelihood(GRID[255 - k]!, -mean, logScale)).toBe(discretizedLogLikelihood(GRID[k]!, mean, logScale));
    },
  );
});

describe('open edge bins', () => {
  test('gaussian/discretized#open-edges: bin 0 is log Phi((x_0 + 1/255 - mu)/s) and bin 255 is log Phi(-(x_255 - 1/255 - mu)/s)', () => {
    for (const [mean, logScale] of [
      [-3, Math.log(0.5)],
      [0.2, 0],
      [0.9, -1],
      [-0.95, -6],
    ] as const) {
      const invS = Math.exp(-logScale);
      const b = (-1 + 1 / 255 - mean) * invS;
      const a = (1 - 1 / 255 - mean) * invS;
      // The test forms b and -a with a relative error of a few u (4u here), which moves
      // log Phi by |t phi(t)/Phi(t)| 4u; each side carries its 16 EPS.
      const slack = (t: number, lp: number) => 2 * EPS * Math.abs(t) * Math.exp(-0.5 * t * t - lp) * 0.4 + 2 * 16 * EPS * Math.abs(lp);
      const lp0 = logNormalCdf(b);
      const lp255 = logNormalCdf(-a);
      expectClose(discretizedLogLikelihood(-1, mean, logScale), lp0, { atol: slack(b, lp0) }, { mean, logScale });
      expectClose(discretizedLogLikelihood(1, mean, logScale), lp255, { atol: slack(-a, lp255) }, { mean, logScale });
    }
  });

  test('gaussian/discretized#open-edges: a mean far outside [-1, 1] puts all the mass on the edge bin, not on a closed bin', () => {
    // Closed edge bins would give log(Phi(b) - Phi(a)) ~ -1150 at mu = -50, s = 1;
    // the open bin gives log Phi(49.004) ~ -Phi(-49) = -2e-523, i.e. 0 in float64.
    expect(discretizedLogLikelihood(-1, -50, 0)).toBeGreaterThan(-1e-300);
    expect(discretizedLogLikelihood(1, 50, 0)).toBeGreaterThan(-1e-300);
    expect(discretizedLogLikelihood(-1, -3, Math.log(0.5))).toBeLessThan(0); // log Phi(4.0078) = -3.06e-5, not rounded to 0
  });
});
