/**
 * File and process work: the MNIST loader (IDX files), PNG output and line plots.
 * Uses Node APIs (fs, Buffer); the core (src/core) never imports from here.
 */
export { DataError, type DataErrorKind } from './errors.js';
export { parseIdx, readIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxArray, type IdxOptions } from './idx.js';
export {
  loadMnist,
  mnistDir,
  imagesToArray,
  byteToCentered,
  centeredToByte,
  type Mnist,
  type MnistOptions,
  type MnistSplit,
  type ToArrayOptions,
} from './mnist.js';
export { imageGrid, encodePng, decodePng, readPng, writePng, toByte, type Raster, type GridOptions } from './png.js';
export { linePlot, hstack, niceTicks, formatTick, PALETTE, type Series, type PlotOptions, type Rgb } from './plot.js';
export { writeFileAtomic } from './atomic.js';
