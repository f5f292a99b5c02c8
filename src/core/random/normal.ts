/**
 * Standard normal draws by an exact 256-layer ziggurat (Marsaglia and Tsang 2000) on the
 * key's Philox word stream, with Marsaglia's (1964) exact tail.
 *
 * @see proofs/random/normal.md
 */
import { wrap, type Float64NdArray } from '../../_internal/validate.js';
import { allocate, checkKey, checkLength, checkShape } from './checks.js';
import type { Key } from './keys.js';
import { CHUNK_BLOCKS, drawBlocks } from './blocks.js';

const TWO_26 = 67108864;
const TWO_53 = 9007199254740992;
const TWO_M53 = 1 / TWO_53;

/** Number of layers (strips) of the ziggurat: 2^8, indexed by 8 spare bits of each word pair. */
const LAYERS = 256;

/**
 * r, the right edge of the base strip: the root of the closure condition of the 256-layer
 * ladder (proofs/random/normal.md, "The tables"), as the float64 nearest the exact root
 * 3.6541528853610087716...; the fixture runner solves for it in mpmath (60 digits).
 */
const R = 3.654152885361009;

/**
 * v, the common area of the layers (for the unnormalised f(x) = exp(-x^2/2)):
 * v = r f(r) + sqrt(pi/2) erfc(r / sqrt 2) = 0.0049286732339746553..., float64 nearest.
 */
const V = 0.004928673233974655;

/**
 * The ladder x_0 > x_1 = r > x_2 > ... > x_255 > x_256 = 0 and its heights f_i = exp(-x_i^2/2)
 * (f_0 = 0), computed once in float64 by the standard recurrence
 *
 *     x_0 = v / f(r),   x_1 = r,   x_{i+1} = sqrt(-2 ln(v / x_i + f_i))   (i = 1..254),
 *     f_256 = v / x_255 + f_255   (= f(0) = 1 up to rounding),
 *
 * with exp and ln evaluated by expTable and logTable (elementary operations only), so that
 * layer i >= 1 is the rectangle [0, x_i] x [f_i, f_{i+1}] of area x_i (f_{i+1} - f_i) = v,
 * and layer 0 is the rectangle [0, r] x [0, f(r)] plus the tail {x > r, y < f(x)}, of area
 * r f(r) + int_r^inf f = v = x_0 f(r).
 */
/** ln 2 split for exact k ln 2 (fdlibm's ln2_hi has 32 significant bits, ln2_lo the rest). */
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const LN2 = 0.6931471805599453;
const SQRT_HALF = 0.7071067811865476;

/**
 * exp(t) for -745 < t <= 0 from +, -, *, / only (so that the tables are the same bits on
 * every engine and in the Python reference, whatever their libm): t = k ln 2 + s with
 * |s| <= ln2/2 + tiny, exp(s) by its Taylor polynomial of degree 17 (truncation < 1e-20),
 * times 2^k by exact halvings. Within 1 ulp (measured 0.72 EPS relative against mpmath).
 */
function expTable(t: number): number {
  let k = Math.floor(t / LN2 + 0.5);
  const s = t - k * LN2_HI - k * LN2_LO;
  let p = 1;
  for (let j = 17; j > 0; j--) p = 1 + (p * s) / j;
  for (; k < 0; k++) p *= 0.5;
  return p;
}

/**
 * ln(y) for 0 < y <= 1 from +, -, *, / only: y = m 2^e with m in [sqrt(1/2), sqrt 2) by
 * exact doublings, ln m = 2 atanh(s) = 2 (s + s^3/3 + ... + s^31/31), s = (m - 1)/(m + 1),
 * |s| < 0.1716 (truncation < 1e-25). Within 2 ulps (measured 1.4 EPS relative).
 */
function logTable(y: number): number {
  let e = 0;
  let m = y;
  while (m < SQRT_HALF) {
    m *= 2;
    e -= 1;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let q = 0;
  for (let j = 31; j > 1; j -= 2) q = q * s2 + 1 / j;
  const lm = 2 * s + 2 * s * s2 * q;
  return e * LN2_HI + lm + e * LN2_LO;
}

function buildTables(): { x: Float64Array; f: Float64Array; xScaled: Float64Array } {
  const x = new Float64Array(LAYERS + 1);
  const f = new Float64Array(LAYERS + 1);
  f[1] = expTable(-0.5 * R * R);
  x[1] = R;
  x[0] = V / f[1];
  for (let i = 1; i < LAYERS - 1; i++) {
    const next = Math.sqrt(-2 * logTable(V / x[i]! + f[i]!));
    x[i + 1] = next;
    f[i + 1] = expTable(-0.5 * next * next);
  }
  // The top layer closes the ladder by the same area rule: f_256 = f_255 + v / x_255, which
  // is 1 up to the rounding drift of the recurrence (f_256 - 1 = 1.6e-14; proof, "The tables").
  x[LAYERS] = 0;
  f[LAYERS] = V / x[LAYERS - 1]! + f[LAYERS - 1]!;
  // x_i 2^-53: k * (x_i 2^-53) rounds the same exact product as (k / 2^53) * x_i.
  const xScaled = new Float64Array(LAYERS);
  for (let i = 0; i < LAYERS; i++) xScaled[i] = x[i]! * TWO_M53;
  return { x, f, xScaled };
}

const TABLES = buildTables();
const X = TABLES.x;
const F = TABLES.f;
const XS = TABLES.xScaled;

/**
 * The ziggurat's constants and tables, read-only (private to the random area and its
 * tests): `layers` = 256, `r`, `v`, the ladder `x` (length 257, x[0] = v / f(r), x[256] = 0)
 * and heights `f` (f[i] = exp(-x[i]^2 / 2) for 1 <= i <= 255, f[0] = 0,
 * f[256] = f[255] + v / x[255] = 1 + 1.6e-14).
 *
 * @see proofs/random/normal.md (claim random/normal#tables)
 */
export const ziggurat: {
  readonly layers: number;
  readonly r: number;
  readonly v: number;
  readonly x: Float64Array;
  readonly f: Float64Array;
} = { layers: LAYERS, r: R, v: V, x: X, f: F };

/** The word stream's reader: the current drawBlocks view, the next word, the next block. */
interface Reader {
  k0: number;
  k1: number;
  words: Uint32Array;
  pos: number;
  end: number;
  block: number;
  /** Values still to produce: sizes the next chunk (the values do not depend on it). */
  want: number;
}

const reader: Reader = { k0: 0, k1: 0, words: new Uint32Array(0), pos: 0, end: 0, block: 0, want: 0 };

/** Loads the next chunk of blocks: about 0.51 blocks per wanted value, at most CHUNK_BLOCKS. */
function refill(s: Reader): void {
  const m = Math.min(CHUNK_BLOCKS, (s.want >>> 1) + (s.want >>> 5) + 8);
  s.words = drawBlocks(s.k0, s.k1, s.block, m);
  s.block += m;
  s.pos = 0;
  s.end = 4 * m;
}

/** The next 53-bit integer k = floor(w0 / 2^5) 2^26 + floor(w1 / 2^6) of the stream. */
function nextInt53(s: Reader): number {
  if (s.pos === s.end) refill(s);
  const a = s.words[s.pos]!;
  const b = s.words[s.pos + 1]!;
  s.pos += 2;
  return (a >>> 5) * TWO_26 + (b >>> 6);
}

/**
 * The tail beyond r (Marsaglia 1964): x = -ln(u1) / r, y = -ln(u2) with u1, u2 = 1 - k / 2^53
 * in [2^-53, 1] from the stream, until 2y > x^2; returns r + x (< r + sqrt(106 ln 2)).
 */
function tail(s: Reader): number {
  for (;;) {
    const xx = -Math.log((TWO_53 - nextInt53(s)) * TWO_M53) / R;
    const yy = -Math.log((TWO_53 - nextInt53(s)) * TWO_M53);
    if (yy + yy > xx * xx) return R + xx;
  }
}

/**
 * The wedge test of layer i >= 1 at x in [x_{i+1}, x_i): y = f_i + u (f_{i+1} - f_i) with a
 * fresh 53-bit u; returns x when y < exp(-x^2/2), else -1 (rejected: a new attempt).
 */
function wedge(s: Reader, i: number, x: number): number {
  const u = nextInt53(s) * TWO_M53;
  const y = F[i]! + u * (F[i + 1]! - F[i]!);
  return y < Math.exp(-0.5 * x * x) ? x : -1;
}

/**
 * Fills `out` with standard normals from the key's word stream: words 4b..4b+3 are
 * Philox4x32-10 of counter (b, 0, 0, 0), read in order from counter 0. Each attempt takes
 * the next two words (w0, w1):
 *
 *     k = floor(w0 / 2^5) 2^26 + floor(w1 / 2^6),   i = (w0 mod 4) 2^6 + (w1 mod 64),
 *     negative = bit 2 of w0,   x = (k / 2^53) x_i,
 *
 * accepted at once when x < x_{i+1}; otherwise the tail (i = 0) or the wedge test (i >= 1)
 * decide, drawing further words; a rejected wedge starts a new attempt. Value j is the
 * j-th accepted x with its sign. Not validated (internal).
 */
export function fillNormal(k0: number, k1: number, out: Float64Array): void {
  const n = out.length;
  const s = reader;
  s.k0 = k0;
  s.k1 = k1;
  s.block = 0;
  s.pos = 0;
  s.end = 0;
  const xs = XS;
  const xt = X;
  let j = 0;
  while (j < n) {
    if (s.pos === s.end) {
      s.want = n - j;
      refill(s);
    }
    const w = s.words;
    let pos = s.pos;
    // At most one value per pair: stopping after n - j pairs cannot overshoot n.
    const stop = Math.min(s.end, pos + 2 * (n - j));
    let slow = false;
    // The fast path over the loaded words: stops at the chunk's end, after n - j pairs, or
    // at an attempt that needs the wedge or the tail.
    while (pos < stop) {
      const a = w[pos]!;
      const b = w[pos + 1]!;
      pos += 2;
      const i = ((a & 3) << 6) | (b & 63);
      // Exact 53-bit integer times x_i 2^-53: one rounding, the same as (k / 2^53) x_i.
      const x = ((a >>> 5) * TWO_26 + (b >>> 6)) * xs[i]!;
      if (x < xt[i + 1]!) {
        // The sign without a branch: 1 - (a & 4) / 2 is +1 or -1 (bit 2 of w0, a coin flip).
        out[j++] = x * (1 - (a & 4) * 0.5);
        continue;
      }
      s.pos = pos;
      s.want = n - j;
      const z = i === 0 ? tail(s) : wedge(s, i, x);
      if (z >= 0) out[j++] = z * (1 - (a & 4) * 0.5);
      // The slow path left the reader (s.pos, perhaps a refilled view) where it stopped.
      slow = true;
      break;
    }
    if (!slow) s.pos = pos;
  }
  // Drop the reference to the shared view (it is overwritten by the next draw anyway).
  s.words = EMPTY;
}

const EMPTY = new Uint32Array(0);

/**
 * n iid standard normals in a Float64Array: the hot-path form of `normal(key, [n])`, with
 * the same values. The ziggurat of Marsaglia and Tsang (2000, J. Stat. Softw. 5(8)) with
 * 256 layers of equal area v under f(x) = exp(-x^2/2): each attempt reads two Philox words,
 * giving a 53-bit uniform u, a layer index i and a sign from disjoint bits (so the three are
 * independent, Doornik 2005), and returns
 *
 *     z = +-u x_i   when u x_i < x_{i+1}   (99.2% of values),
 *
 * else the wedge test y < exp(-x^2/2) on a further uniform, or for i = 0 the exact tail
 * beyond r = 3.6541528853610088 (Marsaglia 1964). Exactly N(0, 1) up to the float64
 * rounding of the tables and the 53-bit grid (proofs/random/normal.md); every value is
 * finite with |z| < r + sqrt(106 ln 2) ~ 12.226. About 2.04 words (0.51 Philox blocks) per
 * value.
 *
 * `normalArray(key, m)` is a prefix of `normalArray(key, n)` for m <= n. Values are bit
 * for bit the same on every machine running the same JavaScript engine; engines whose
 * Math.exp, Math.log differ (ECMAScript does not fix their last bit) agree except, rarely,
 * a tail value to a few ulps (or, with probability ~1e-16 per value, an accept decision).
 *
 * @param key - a Key record; use it once
 * @param n - the number of values, an integer in 0..2^31
 * @returns a new Float64Array of length n
 * @throws InvalidArgumentError when `key` is not a Key record or `n` is out of range
 * @example
 * import { random } from 'diffusion-ts';
 * const z = random.normalArray(random.key(0), 10000);
 * z.reduce((s, v) => s + v * v, 0) / z.length; // returns ~0.9798
 * @see proofs/random/normal.md (claims random/normal#ziggurat, random/normal#bound)
 */
export function normalArray(key: Key, n: number): Float64Array {
  const k = checkKey('random.normalArray', 'key', key);
  const size = checkLength('random.normalArray', 'n', n);
  const out = allocate('random.normalArray', 'n', size, n);
  fillNormal(k.k0, k.k1, out);
  return out;
}

/**
 * An ndarray of iid N(0, 1) draws by the ziggurat method (Marsaglia and Tsang 2000, Section
 * 2; the tail by Marsaglia 1964): from two stream words, a uniform u on the 53-bit grid,
 * an independent layer i in 0..255 and sign s, and
 *
 *     z = s u x_i   if u x_i < x_{i+1},   else the wedge or tail step,
 *
 * with x_i the ladder of 256 equal-area layers (proofs/random/normal.md). Row-major:
 * `normal(key, [2, 3])` holds `normalArray(key, 6)`. An empty shape `[]` gives a 0-d array
 * holding one value.
 *
 * @param key - a Key record; use it once
 * @param shape - the output shape, an array of integers >= 0 with product <= 2^31
 * @returns a new float64 ndarray of the given shape, finite values, |z| < 12.226
 * @throws InvalidArgumentError when `key` is not a Key record or `shape` is invalid
 * @example
 * import { random } from 'diffusion-ts';
 * const eps = random.normal(random.key(0), [4, 28, 28]);
 * eps.shape; // returns ~[4, 28, 28]
 * @see proofs/random/normal.md (claims random/normal#ziggurat, random/normal#distribution)
 */
export function normal(key: Key, shape: number[]): Float64NdArray {
  const k = checkKey('random.normal', 'key', key);
  const s = checkShape('random.normal', 'shape', shape);
  const out = allocate('random.normal', 'shape', s.size, shape);
  fillNormal(k.k0, k.k1, out);
  return wrap(out, s.shape);
}
