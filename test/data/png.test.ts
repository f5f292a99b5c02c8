/**
 * PNG output: grids and plots written with `writePng` are read back with pngjs itself and
 * checked pixel by pixel; writes are atomic (no temporary file left, an existing file
 * replaced whole); bad input fails with a DiffusionError, never anything else.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import ndarray from 'ndarray';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DiffusionError } from '../../src/core/errors.js';
import { DataError } from '../../src/data/errors.js';
import { imagesToArray, loadMnist } from '../../src/data/mnist.js';
import { hstack, linePlot, niceTicks, formatTick } from '../../src/data/plot.js';
import { decodePng, encodePng, imageGrid, readPng, toByte, writePng, type Raster } from '../../src/data/png.js';
import { writeFileAtomic } from '../../src/data/atomic.js';

const { PNG } = pngjs;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'diffusion-ts-png-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The file read back by pngjs (RGBA, whatever the stored colour type). */
function pngjsRead(path: string) {
  return PNG.sync.read(readFileSync(path));
}

describe('imageGrid + writePng, read back with pngjs', () => {
  test('dimensions, padding, clipping and the [-1, 1] -> 0..255 map of each pixel', () => {
    // Three 2 x 3 images, two columns, padding 1: width 2 (3 + 1) + 1 = 9, height 2 (2 + 1) + 1 = 7.
    const values = [-1, 1, 0, -0.5, 0.5, 2, /* image 1 */ -3, 0.2, 1, -1, 0, 0, /* image 2 */ 0, 0, 0, 0, 0, 1];
    const x = ndarray(Float64Array.from(values), [3, 2, 3]);
    const path = writePng(join(root, 'grid.png'), imageGrid(x, { columns: 2, padding: 1, padValue: 7 }));
    const png = pngjsRead(path);
    expect([png.width, png.height]).toEqual([9, 7]);
    expect(png.colorType).toBe(0); // stored as 8-bit gray
    const gray = (px: number, py: number) => png.data[(py * png.width + px) * 4]!;
    // Expected bytes: round((clip(x) + 1) 255 / 2); 0 -> 127.5 rounds to 128.
    const byte = (v: number) => (v <= -1 ? 0 : v >= 1 ? 255 : Math.round(((v + 1) * 255) / 2));
    for (let i = 0; i < 3; i++) {
      const ox = 1 + (i % 2) * 4;
      const oy = 1 + Math.floor(i / 2) * 3;
      for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) expect(gray(ox + c, oy + r)).toBe(byte(values[i * 6 + r * 3 + c]!));
    }
    expect(gray(0, 0)).toBe(7);
    expect(gray(4, 1)).toBe(7); // the column between images
    expect(gray(5, 4)).toBe(7); // the empty fourth cell
    expect([gray(1, 1), gray(2, 1), gray(3, 1), gray(3, 2)]).toEqual([0, 255, 128, 255]);
  });

  test('MNIST digits survive bytes -> [-1, 1] -> PNG -> bytes exactly', () => {
    const m = loadMnist({ split: 'test', limit: 6 });
    const path = writePng(join(root, 'digits.png'), imageGrid(imagesToArray(m), { columns: 3, padding: 0 }));
    const png = pngjsRead(path);
    expect([png.width, png.height]).toEqual([84, 56]);
    for (let i = 0; i < 6; i++) {
      for (let p = 0; p < 784; p++) {
        const px = (i % 3) * 28 + (p % 28);
        const py = Math.floor(i / 3) * 28 + Math.floor(p / 28);
        expect(png.data[(py * 84 + px) * 4]).toBe(m.images[i * 784 + p]);
      }
    }
  });

  test('scale repeats each pixel scale x scale times; a 2-D array is one image', () => {
    const x = ndarray(Float64Array.from([-1, 1]), [1, 2]);
    const img = imageGrid(x, { scale: 3, padding: 0 });
    expect([img.width, img.height]).toEqual([6, 3]);
    expect(Array.from(img.data)).toEqual([0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]);
  });

  test('range maps [lo, hi] to 0..255', () => {
    expect(toByte(0.5, 0, 1)).toBe(128);
    const img = imageGrid(ndarray(Float64Array.from([0, 0.25, 1]), [1, 3]), { padding: 0, range: [0, 1] });
    expect(Array.from(img.data)).toEqual([0, 64, 255]);
  });
});

describe('encodePng / decodePng / readPng', () => {
  test('an RGB raster round-trips, and pngjs reads the same RGB values', () => {
    const data = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37) % 256);
    const img: Raster = { width: 5, height: 4, channels: 3, data };
    const path = writePng(join(root, 'rgb.png'), img);
    const png = pngjsRead(path);
    expect(png.colorType).toBe(2);
    for (let p = 0; p < 20; p++) for (let c = 0; c < 3; c++) expect(png.data[p * 4 + c]).toBe(data[p * 3 + c]);
    expect(readPng(path)).toEqual(img);
    expect(decodePng(encodePng(img))).toEqual(img);
  });

  test('readPng of a missing or non-PNG file throws a DataError naming it', () => {
    const missing = join(root, 'nope.png');
    expect(() => readPng(missing)).toThrow(DataError);
    expect(() => readPng(missing)).toThrow(missing);
    const junk = join(root, 'junk.png');
    writeFileSync(junk, 'not a png');
    expect(() => readPng(junk)).toThrow(/junk\.png.*not a readable PNG/);
  });
});

describe('atomic writes', () => {
  test('the folder is created, an existing file is replaced whole, and no temporary file is left', () => {
    const dir = join(root, 'a', 'b');
    const path = join(dir, 'x.png');
    writePng(path, { width: 1, height: 1, channels: 1, data: new Uint8Array([1]) });
    writePng(path, { width: 2, height: 1, channels: 1, data: new Uint8Array([2, 3]) });
    expect(readdirSync(dir)).toEqual(['x.png']);
    expect(Array.from(readPng(path).data)).toEqual([2, 3]);
  });

  test('a destination that is a folder fails with a DataError and leaves no temporary file', () => {
    const dir = join(root, 'c');
    mkdirSync(join(dir, 'taken.png'), { recursive: true });
    expect(() => writeFileAtomic(join(dir, 'taken.png'), new Uint8Array([1]))).toThrow(DataError);
    expect(readdirSync(dir)).toEqual(['taken.png']);
  });
});

describe('linePlot', () => {
  test('an RGB raster of the requested size with both series colours drawn', () => {
    const t = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    const img = linePlot(
      [
        { name: 'a', x: t, y: t.map((v) => 1 / v), color: [255, 0, 0] },
        { name: 'b', x: t, y: t.map((v) => v / 100), color: [0, 0, 255] },
      ],
      { width: 300, height: 200, logY: true, title: 'test', xLabel: 't', yLabel: 'y' },
    );
    expect([img.width, img.height, img.channels]).toEqual([300, 200, 3]);
    let red = 0;
    let blue = 0;
    for (let p = 0; p < 300 * 200; p++) {
      const [r, g, b] = [img.data[3 * p]!, img.data[3 * p + 1]!, img.data[3 * p + 2]!];
      if (r === 255 && g === 0 && b === 0) red++;
      if (r === 0 && g === 0 && b === 255) blue++;
    }
    // Each curve spans most of the plot width, 2 px wide.
    expect(red).toBeGreaterThan(200);
    expect(blue).toBeGreaterThan(200);
    const path = writePng(join(root, 'plot.png'), img);
    expect([pngjsRead(path).width, pngjsRead(path).height]).toEqual([300, 200]);
  });

  test('points that cannot be drawn (NaN, <= 0 on a log axis) are skipped, not fatal', () => {
    const img = linePlot([{ y: [1, Number.NaN, 0, -1, 10, Infinity] }], { logY: true, width: 200, height: 150 });
    expect(img.data.length).toBe(200 * 150 * 3);
  });

  test('the legend goes where asked; an unknown position is a DiffusionError naming `legend`', () => {
    const series = [{ name: 'a', y: [0, 1], color: [255, 0, 0] as const }];
    const redRows = (img: ReturnType<typeof linePlot>) => {
      const rows: number[] = [];
      for (let p = 0; p < img.width * img.height; p++) {
        if (img.data[3 * p] === 255 && img.data[3 * p + 1] === 0 && img.data[3 * p + 2] === 0) rows.push(Math.floor(p / img.width));
      }
      return rows;
    };
    // The legend's red sample line sits in the top half or the bottom half; the curve spans both.
    const top = linePlot(series, { width: 300, height: 200, legend: 'top-right', xRange: [10, 20] });
    const bottom = linePlot(series, { width: 300, height: 200, legend: 'bottom-right', xRange: [10, 20] });
    expect(Math.max(...redRows(top))).toBeLessThan(100);
    expect(Math.min(...redRows(bottom))).toBeGreaterThan(100);
    expect(() => linePlot(series, { legend: 'middle' as never })).toThrow(DiffusionError);
    expect(() => linePlot(series, { legend: 'middle' as never })).toThrow('`legend`');
  });

  test("marker 'points' draws each point as a dot (a scatter plot), not a line between them", () => {
    const img = linePlot([{ x: [0, 10], y: [0, 10], marker: 'points', color: [255, 0, 0] }], { width: 300, height: 200, xRange: [-1, 11], yRange: [-1, 11] });
    let red = 0;
    for (let p = 0; p < 300 * 200; p++) if (img.data[3 * p] === 255 && img.data[3 * p + 1] === 0 && img.data[3 * p + 2] === 0) red++;
    expect(red).toBe(2 * 4); // two 2 x 2 dots, nothing in between
    expect(() => linePlot([{ y: [1], marker: 'bars' as never }])).toThrow('`series[0].marker`');
  });

  test('hstack places panels side by side with a white gap', () => {
    const a = { width: 2, height: 1, channels: 1 as const, data: new Uint8Array([1, 2]) };
    const b = { width: 1, height: 2, channels: 1 as const, data: new Uint8Array([3, 4]) };
    const img = hstack([a, b], 1);
    expect([img.width, img.height]).toEqual([4, 2]);
    expect(Array.from(img.data)).toEqual([1, 2, 255, 3, 255, 255, 255, 4]);
    expect(() => hstack([])).toThrow(DiffusionError);
    expect(() => hstack([a, { ...b, channels: 3 }])).toThrow('`panels[1]`');
  });

  test('ticks are round numbers covering the range; labels are short', () => {
    expect(niceTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(0.1, 0.95)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect([formatTick(0.001), formatTick(1e-4), formatTick(2e6), formatTick(0.25)]).toEqual(['0.001', '1E-4', '2E6', '0.25']);
  });
});

describe('bad input throws a DiffusionError, never anything else', () => {
  const junk = fc.oneof(
    fc.constantFrom(null, undefined, 0, -1, 2.5, Number.NaN, Infinity, 'x', [], {}, [1, 2], new Uint8Array(3), new Float32Array(4)),
    fc.record({ width: fc.integer({ min: -2, max: 4 }), height: fc.integer({ min: -2, max: 4 }), channels: fc.integer({ min: 0, max: 4 }), data: fc.uint8Array({ maxLength: 40 }) }),
    fc.array(fc.double(), { maxLength: 6 }).map((v) => ndarray(Float64Array.from(v), [v.length])),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.double()).map(([n, h, w, v]) =>
      ndarray(new Float64Array(n * h * w).fill(v), [n, h, w]),
    ),
  );
  const options = fc.record(
    {
      columns: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.double()),
      padding: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constant(Number.NaN)),
      scale: fc.integer({ min: -1, max: 3 }),
      padValue: fc.integer({ min: -1, max: 300 }),
      range: fc.tuple(fc.double(), fc.double()),
    },
    { requiredKeys: [] },
  );

  function onlyDiffusionErrors(call: () => unknown): void {
    try {
      call();
    } catch (e) {
      if (!(e instanceof DiffusionError)) throw e;
    }
  }

  test('imageGrid, encodePng and linePlot on random junk', () => {
    fc.assert(
      fc.property(junk, options, (x, opts) => {
        onlyDiffusionErrors(() => imageGrid(x, opts as never));
        onlyDiffusionErrors(() => encodePng(x as never));
        onlyDiffusionErrors(() => linePlot([{ y: x as never }], { yRange: opts.range, width: opts.padValue } as never));
        onlyDiffusionErrors(() => linePlot(x as never));
      }),
      { seed: 20240601, numRuns: 300 },
    );
  });
});
