/**
 * A small line-plot renderer for figures written as PNG: axes with ticks and tick labels,
 * a few coloured polylines, a legend and a title, in a 3 x 5 pixel bitmap font (digits,
 * capital letters and a little punctuation; lower case is drawn as capitals). Enough to
 * draw bits/dim per step or an alphaBar curve without a plotting library.
 */
import { InvalidArgumentError, got } from '../core/errors.js';
import { checkInteger } from '../_internal/validate.js';
import type { Raster } from './png.js';

/** An RGB colour, each channel 0..255. */
export type Rgb = readonly [number, number, number];

/** One polyline: points (x[i], y[i]); points that cannot be drawn (non-finite, or <= 0 on a log axis) break the line. */
export interface Series {
  readonly name?: string;
  readonly y: ArrayLike<number>;
  /** Abscissae (default 0, 1, ..., y.length - 1). */
  readonly x?: ArrayLike<number>;
  /** Default: the next colour of `PALETTE`. */
  readonly color?: Rgb;
  /** 'line' (default) joins the points; 'points' draws each as a dot (a scatter plot). */
  readonly marker?: 'line' | 'points';
}

/** Options of `linePlot`. */
export interface PlotOptions {
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  /** Axis ranges (default: the data's range; on a log axis, whole decades around it). */
  readonly xRange?: readonly [number, number];
  readonly yRange?: readonly [number, number];
  /** Size of a font pixel in image pixels (default 2). */
  readonly fontScale?: number;
  /** Where the legend of the named series goes (default 'top-right'). */
  readonly legend?: 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left' | 'none';
}

/** Colours for series without one: blue, orange, green, red, purple, brown (Tableau 10). */
export const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
];

// 3 x 5 glyphs, one 3-bit row per entry, most significant bit on the left.
const GLYPHS: Readonly<Record<string, readonly number[]>> = {
  '0': [7, 5, 5, 5, 7], '1': [2, 6, 2, 2, 7], '2': [7, 1, 7, 4, 7], '3': [7, 1, 7, 1, 7], '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7], '6': [7, 4, 7, 5, 7], '7': [7, 1, 1, 2, 2], '8': [7, 5, 7, 5, 7], '9': [7, 5, 7, 1, 7],
  A: [2, 5, 7, 5, 5], B: [6, 5, 6, 5, 6], C: [3, 4, 4, 4, 3], D: [6, 5, 5, 5, 6], E: [7, 4, 6, 4, 7],
  F: [7, 4, 6, 4, 4], G: [3, 4, 5, 5, 3], H: [5, 5, 7, 5, 5], I: [7, 2, 2, 2, 7], J: [1, 1, 1, 5, 2],
  K: [5, 5, 6, 5, 5], L: [4, 4, 4, 4, 7], M: [5, 7, 7, 5, 5], N: [6, 5, 5, 5, 5], O: [2, 5, 5, 5, 2],
  P: [6, 5, 6, 4, 4], Q: [2, 5, 5, 6, 3], R: [6, 5, 6, 5, 5], S: [3, 4, 2, 1, 6], T: [7, 2, 2, 2, 2],
  U: [5, 5, 5, 5, 7], V: [5, 5, 5, 5, 2], W: [5, 5, 7, 7, 5], X: [5, 5, 2, 5, 5], Y: [5, 5, 2, 2, 2],
  Z: [7, 1, 2, 4, 7], '.': [0, 0, 0, 0, 2], '-': [0, 0, 7, 0, 0], '+': [0, 2, 7, 2, 0], '/': [1, 1, 2, 4, 4],
  '(': [1, 2, 2, 2, 1], ')': [4, 2, 2, 2, 4], '=': [0, 7, 0, 7, 0], ':': [0, 2, 0, 2, 0], ',': [0, 0, 0, 2, 4],
  _: [0, 0, 0, 0, 7], '<': [1, 2, 4, 2, 1], '>': [4, 2, 1, 2, 4], '^': [2, 5, 0, 0, 0], '%': [5, 1, 2, 4, 5], '*': [0, 5, 2, 5, 0], ' ': [0, 0, 0, 0, 0],
};

/** An RGB canvas with the few drawing primitives the plot needs. */
class Canvas {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 3).fill(255);
  }

  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const p = (y * this.width + x) * 3;
    this.data[p] = c[0];
    this.data[p + 1] = c[1];
    this.data[p + 2] = c[2];
  }

  rect(x0: number, y0: number, w: number, h: number, c: Rgb): void {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) this.set(x, y, c);
  }

  /** Bresenham's line, `thickness` pixels wide (a square brush). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    x0 = Math.round(x0);
    y0 = Math.round(y0);
    x1 = Math.round(x1);
    y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    const lo = -Math.floor((thickness - 1) / 2);
    for (;;) {
      for (let a = 0; a < thickness; a++) for (let b = 0; b < thickness; b++) this.set(x0 + lo + a, y0 + lo + b, c);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  /** Text with its top-left corner at (x, y); returns its width. Vertical text reads bottom to top. */
  text(x: number, y: number, s: string, c: Rgb, scale: number, vertical = false): number {
    let cursor = 0;
    for (const ch of s.toUpperCase()) {
      const g = GLYPHS[ch] ?? GLYPHS['*']!;
      for (let r = 0; r < 5; r++) {
        for (let col = 0; col < 3; col++) {
          if (!((g[r]! >> (2 - col)) & 1)) continue;
          for (let a = 0; a < scale; a++) {
            for (let b = 0; b < scale; b++) {
              if (vertical) this.set(x + r * scale + a, y - cursor - col * scale - b, c);
              else this.set(x + cursor + col * scale + a, y + r * scale + b, c);
            }
          }
        }
      }
      cursor += 4 * scale;
    }
    return textWidth(s, scale);
  }
}

function textWidth(s: string, scale: number): number {
  return s.length === 0 ? 0 : (4 * s.length - 1) * scale;
}

/** About `target` round numbers covering [lo, hi] (steps 1, 2 or 5 times a power of ten). */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  // k * step rounded to 12 digits (3 * 0.2 is 0.6000000000000001); + 0 turns -0 into 0.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)) + 0);
  return ticks;
}

/** Short tick label: at most 4 significant digits, exponent form for very large or small values. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const e = Math.floor(Math.log10(a));
    const m = v / 10 ** e;
    const ms = Math.abs(m - 1) < 1e-9 ? '' : `${Number(m.toPrecision(2))}E`;
    return ms === '' ? `1E${e}` : `${ms}${e}`;
  }
  return String(Number(v.toPrecision(4)));
}

interface Axis {
  readonly log: boolean;
  readonly lo: number;
  readonly hi: number;
  readonly ticks: number[];
}

function makeAxis(values: number[], log: boolean, range: readonly [number, number] | undefined, name: string): Axis {
  const api = 'data.linePlot';
  if (range !== undefined) {
    const [lo, hi] = range;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo && (!log || lo > 0))) {
      throw new InvalidArgumentError(api, name, log ? 'a pair [lo, hi] with 0 < lo < hi' : 'a pair [lo, hi] with lo < hi, finite', range);
    }
    return finishAxis(lo, hi, log);
  }
  const usable = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (usable.length === 0) return finishAxis(log ? 0.1 : 0, log ? 10 : 1, log);
  let lo = Math.min(...usable);
  let hi = Math.max(...usable);
  if (log) {
    lo = 10 ** Math.floor(Math.log10(lo));
    hi = 10 ** Math.ceil(Math.log10(hi));
    if (hi <= lo) hi = lo * 10;
  } else if (hi <= lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  } else {
    const t = niceTicks(lo, hi);
    const step = t.length > 1 ? t[1]! - t[0]! : 0;
    lo = Math.min(lo, t[0]!);
    hi = Math.max(hi, t[t.length - 1]!);
    if (step > 0 && t[0]! > lo) lo = t[0]! - step;
    if (step > 0 && t[t.length - 1]! < hi) hi = t[t.length - 1]! + step;
  }
  return finishAxis(lo, hi, log);
}

function finishAxis(lo: number, hi: number, log: boolean): Axis {
  if (!log) return { log, lo, hi, ticks: niceTicks(lo, hi) };
  const a = Math.ceil(Math.log10(lo) - 1e-9);
  const b = Math.floor(Math.log10(hi) + 1e-9);
  const every = Math.max(1, Math.ceil((b - a + 1) / 8));
  const ticks: number[] = [];
  for (let e = a; e <= b; e += every) ticks.push(10 ** e);
  return { log, lo, hi, ticks };
}

/** Position in [0, 1] of v on the axis (NaN when it cannot be drawn). */
function position(ax: Axis, v: number): number {
  if (!Number.isFinite(v) || (ax.log && !(v > 0))) return NaN;
  return ax.log ? (Math.log10(v) - Math.log10(ax.lo)) / (Math.log10(ax.hi) - Math.log10(ax.lo)) : (v - ax.lo) / (ax.hi - ax.lo);
}

/**
 * Draws a line plot as an RGB raster: white background, a frame with ticks and tick
 * labels, one polyline per series (2 px wide, in its colour), a legend of the named
 * series at the top right, the title above and the axis labels beside the axes.
 *
 * @param series - one or more series; each `y` (and `x`, of the same length) an array of numbers
 * @param options - size (default 720 x 420), title, axis labels, log axes, ranges, fontScale
 * @returns an RGB Raster, to be written with `writePng`
 * @throws InvalidArgumentError for no series, mismatched lengths, or bad options
 * @example
 * linePlot([{ name: 'alphaBar', y: s.alphaBar }], { logY: true }).channels; // returns 3
 */
export function linePlot(series: readonly Series[], options: PlotOptions = {}): Raster {
  const api = 'data.linePlot';
  if (!Array.isArray(series) || series.length === 0) throw new InvalidArgumentError(api, 'series', 'a non-empty array of { y, x?, name?, color? }', series);
  const width = checkInteger(api, 'width', options.width ?? 720, 120, 8192);
  const height = checkInteger(api, 'height', options.height ?? 420, 100, 8192);
  const fs = checkInteger(api, 'fontScale', options.fontScale ?? 2, 1, 8);
  const xs: number[] = [];
  const ys: number[] = [];
  const resolved = series.map((s, i) => {
    const name = `series[${i}]`;
    if (typeof s !== 'object' || s === null || !isArrayLike(s.y)) throw new InvalidArgumentError(api, name, 'a series { y: number[], x?, name?, color? }', s);
    const n = s.y.length;
    const x = s.x ?? Float64Array.from({ length: n }, (_, k) => k);
    if (!isArrayLike(x) || x.length !== n) throw new InvalidArgumentError(api, `${name}.x`, `an array of the length of y (${n})`, x);
    const color: Rgb = s.color ?? PALETTE[i % PALETTE.length]!;
    if (!isRgb(color)) {
      throw new InvalidArgumentError(api, `${name}.color`, 'an [r, g, b] triple of integers in 0..255', color);
    }
    for (let k = 0; k < n; k++) {
      xs.push(Number(x[k]));
      ys.push(Number(s.y[k]));
    }
    const marker = s.marker ?? 'line';
    if (marker !== 'line' && marker !== 'points') throw new InvalidArgumentError(api, `${name}.marker`, "'line' or 'points'", marker);
    return { name: s.name ?? '', x, y: s.y, color, marker };
  });
  const xAxis = makeAxis(xs, options.logX ?? false, options.xRange, 'xRange');
  const yAxis = makeAxis(ys, options.logY ?? false, options.yRange, 'yRange');

  const cv = new Canvas(width, height);
  const black: Rgb = [0, 0, 0];
  const grid: Rgb = [225, 225, 225];
  const glyphH = 5 * fs;
  const yLabels = yAxis.ticks.map(formatTick);
  const yLabelW = Math.max(...yLabels.map((s) => textWidth(s, fs)));
  // Margins: room for the y label (vertical), the tick labels, the title and the x label.
  const left = (options.yLabel ? glyphH + 3 * fs : 0) + yLabelW + 5 * fs;
  const lastX = xAxis.ticks.length > 0 ? formatTick(xAxis.ticks[xAxis.ticks.length - 1]!) : '';
  const right = Math.max(6 * fs, Math.ceil(textWidth(lastX, fs) / 2) + 2 * fs);
  const top = (options.title ? glyphH + 4 * fs : 0) + 4 * fs;
  const bottom = glyphH + 5 * fs + (options.xLabel ? glyphH + 3 * fs : 0);
  const pw = width - left - right;
  const ph = height - top - bottom;
  if (pw < 20 || ph < 20) throw new InvalidArgumentError(api, 'width', 'a size leaving room for the plot area', got(`${width} x ${height}`));
  const px = (v: number) => left + position(xAxis, v) * (pw - 1);
  const py = (v: number) => top + (1 - position(yAxis, v)) * (ph - 1);

  // Grid lines and ticks.
  for (const t of xAxis.ticks) {
    const x = Math.round(px(t));
    if (!Number.isFinite(x)) continue;
    cv.line(x, top, x, top + ph - 1, grid);
    cv.line(x, top + ph - 1, x, top + ph - 1 + 2 * fs, black);
    const s = formatTick(t);
    cv.text(x - Math.floor(textWidth(s, fs) / 2), top + ph + 3 * fs, s, black, fs);
  }
  yAxis.ticks.forEach((t, k) => {
    const y = Math.round(py(t));
    if (!Number.isFinite(y)) return;
    cv.line(left, y, left + pw - 1, y, grid);
    cv.line(left - 2 * fs, y, left, y, black);
    const s = yLabels[k]!;
    cv.text(left - 3 * fs - textWidth(s, fs), y - Math.floor(glyphH / 2), s, black, fs);
  });
  // Frame.
  cv.line(left, top, left + pw - 1, top, black);
  cv.line(left, top + ph - 1, left + pw - 1, top + ph - 1, black);
  cv.line(left, top, left, top + ph - 1, black);
  cv.line(left + pw - 1, top, left + pw - 1, top + ph - 1, black);

  // Series, clipped to the plot area by skipping segments that leave it.
  for (const s of resolved) {
    let prev: [number, number] | null = null;
    for (let k = 0; k < s.y.length; k++) {
      const x = px(Number(s.x[k]));
      const y = py(Number(s.y[k]));
      const inside = Number.isFinite(x) && Number.isFinite(y) && x >= left - 0.5 && x <= left + pw - 0.5 && y >= top - 0.5 && y <= top + ph - 0.5;
      if (!inside) {
        prev = null;
        continue;
      }
      if (s.marker === 'points') cv.rect(Math.round(x) - 1, Math.round(y) - 1, 2, 2, s.color);
      else if (prev) cv.line(prev[0], prev[1], x, y, s.color, 2);
      else cv.line(x, y, x, y, s.color, 2);
      prev = [x, y];
    }
  }

  // Legend, title and axis labels.
  const named = resolved.filter((s) => s.name !== '');
  const legend = options.legend ?? 'top-right';
  if (!['top-right', 'top-left', 'bottom-right', 'bottom-left', 'none'].includes(legend)) {
    throw new InvalidArgumentError(api, 'legend', "'top-right', 'top-left', 'bottom-right', 'bottom-left' or 'none'", legend);
  }
  if (named.length > 0 && legend !== 'none') {
    const lw = Math.max(...named.map((s) => textWidth(s.name, fs))) + 12 * fs;
    const lh = named.length * (glyphH + 3 * fs) - 3 * fs;
    const lx = legend.endsWith('right') ? left + pw - lw - 3 * fs : left + 4 * fs;
    let ly = legend.startsWith('top') ? top + 3 * fs : top + ph - lh - 4 * fs;
    cv.rect(lx - 2 * fs, ly - 2 * fs, lw + 4 * fs, named.length * (glyphH + 3 * fs) + 2 * fs, [255, 255, 255]);
    for (const s of named) {
      if (s.marker === 'points') cv.rect(lx + 3 * fs - 1, ly + Math.floor(glyphH / 2) - 1, 3, 3, s.color);
      else cv.line(lx, ly + Math.floor(glyphH / 2), lx + 7 * fs, ly + Math.floor(glyphH / 2), s.color, 2);
      cv.text(lx + 10 * fs, ly, s.name, black, fs);
      ly += glyphH + 3 * fs;
    }
  }
  if (options.title) cv.text(left + Math.max(0, Math.floor((pw - textWidth(options.title, fs)) / 2)), 3 * fs, options.title, black, fs);
  if (options.xLabel) cv.text(left + Math.max(0, Math.floor((pw - textWidth(options.xLabel, fs)) / 2)), height - glyphH - 2 * fs, options.xLabel, black, fs);
  if (options.yLabel) cv.text(2 * fs, top + Math.floor((ph + textWidth(options.yLabel, fs)) / 2), options.yLabel, black, fs, true);
  return { width, height, channels: 3, data: cv.data };
}

function isRgb(c: unknown): c is Rgb {
  return Array.isArray(c) && c.length === 3 && c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
}

function isArrayLike(v: unknown): v is ArrayLike<number> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/**
 * Places rasters side by side (top-aligned) on a white background, `gap` pixels apart:
 * the panels of a figure such as NCSN's Figure 3.
 *
 * @throws InvalidArgumentError for no panels or panels with different channel counts
 */
export function hstack(panels: readonly Raster[], gap = 8): Raster {
  const api = 'data.hstack';
  if (!Array.isArray(panels) || panels.length === 0) throw new InvalidArgumentError(api, 'panels', 'a non-empty array of rasters', panels);
  checkInteger(api, 'gap', gap, 0, 1024);
  const channels = panels[0]!.channels;
  panels.forEach((p, i) => {
    if (p.channels !== channels) throw new InvalidArgumentError(api, `panels[${i}]`, `a raster with ${channels} channels`, got(`${p.channels}`));
  });
  const width = panels.reduce((w, p) => w + p.width, 0) + gap * (panels.length - 1);
  const height = Math.max(...panels.map((p) => p.height));
  const data = new Uint8Array(width * height * channels).fill(255);
  let x0 = 0;
  for (const p of panels) {
    for (let y = 0; y < p.height; y++) {
      data.set(p.data.subarray(y * p.width * channels, (y + 1) * p.width * channels), (y * width + x0) * channels);
    }
    x0 += p.width + gap;
  }
  return { width, height, channels, data };
}
