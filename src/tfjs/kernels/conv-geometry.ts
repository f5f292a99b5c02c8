/**
 * The index arithmetic of the two gradients of a strided, padded 2-D cross-correlation,
 * written as forward cross-correlations (proofs/tfjs/conv-gradients.md). Pure functions
 * of shapes: no tensors, no backend.
 *
 * The forward convolution (TensorFlow's conv2d, NHWC, dilation 1) is
 *
 *     y[n, i, j, o] = sum_{a, b, c} x[n, s_h i + a - p_t, s_w j + b - p_l, c] w[a, b, c, o]
 *
 * with x read as 0 outside 0 <= row < H, 0 <= col < W; i < H_o, j < W_o.
 */
import { backend_util } from '@tensorflow/tfjs-core';

/** The sizes of one conv2d, in the notation of the proof. */
export interface ConvGeometry {
  /** Batch N. */
  readonly batch: number;
  /** Input height H and width W. */
  readonly inHeight: number;
  readonly inWidth: number;
  /** Input channels C_in. */
  readonly inChannels: number;
  /** Output height H_o and width W_o (the shape of dy). */
  readonly outHeight: number;
  readonly outWidth: number;
  /** Output channels C_out. */
  readonly outChannels: number;
  /** Kernel height k_h and width k_w. */
  readonly filterHeight: number;
  readonly filterWidth: number;
  /** Strides s_h, s_w. */
  readonly strideHeight: number;
  readonly strideWidth: number;
  /** Zero rows added above the input (p_t) and columns to its left (p_l). */
  readonly padTop: number;
  readonly padLeft: number;
}

/** Explicit NHWC padding [[0, 0], [top, bottom], [left, right], [0, 0]]. */
export type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** The conv2d attributes that fix its geometry (those of Conv2DBackpropInput/Filter). */
export interface ConvAttrs {
  readonly strides: [number, number] | number;
  readonly pad: 'valid' | 'same' | number | ExplicitPad;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The geometry of an NHWC conv2d with input shape `xShape`, filter shape `wShape` and
 * output-gradient shape `dyShape`: the padding p_t, p_l exactly as TensorFlow.js computes
 * it for the forward pass (so both backends agree on it), H_o and W_o from dy itself (the
 * gradient ops do not pass dimRoundingMode on, so dy's shape is the one to trust).
 *
 * @param xShape - [N, H, W, C_in]
 * @param wShape - [k_h, k_w, C_in, C_out]
 * @param dyShape - [N, H_o, W_o, C_out]
 * @param attrs - strides, pad ('same' | 'valid' | number | explicit), dimRoundingMode
 * @returns the sizes, or null when dy's batch or channels disagree with x and w
 * @example
 * convGeometry([1, 28, 28, 32], [3, 3, 32, 32], [1, 14, 14, 32], { strides: 2, pad: 1 }).padTop; // returns ~1
 * @see proofs/tfjs/conv-gradients.md
 */
export function convGeometry(
  xShape: readonly number[],
  wShape: readonly number[],
  dyShape: readonly number[],
  attrs: ConvAttrs,
): ConvGeometry | null {
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    wShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad as Parameters<typeof backend_util.computeConv2DInfo>[4],
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [n, outHeight, outWidth, outChannels] = dyShape;
  if (n !== info.batchSize || outChannels !== info.outChannels || wShape[2] !== info.inChannels) return null;
  if (outHeight === undefined || outWidth === undefined) return null;
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight,
    outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** How the input gradient is computed as a stride-1 forward conv (claim #input-gradient). */
export interface InputGradientPlan {
  /**
   * The buffer the conv reads: dy dilated by the strides ((H_o - 1) s_h + 1 rows), less
   * `cropTop` rows above and `cropBottom` below where a padding of the derivation is
   * negative. Buffer row r holds dilated row r + cropTop. A height or width <= 0 means no
   * window touches x: dx = 0.
   */
  readonly bufferHeight: number;
  readonly bufferWidth: number;
  readonly cropTop: number;
  readonly cropLeft: number;
  /** Whether the buffer differs from dy itself (stride > 1 or a crop): then it is built. */
  readonly copy: boolean;
  /** The conv's padding, max(0, .) of top k_h - 1 - p_t, bottom H + p_t - (H_o - 1) s_h - 1, likewise across. */
  readonly pad: ExplicitPad;
}

/**
 * The input gradient dx = conv2d(dilate_s(dy), rot180(w)^T, stride 1, padding P): the
 * plan. The derivation's paddings P_t = k_h - 1 - p_t (above) and
 * P_b = H + p_t - (H_o - 1) s_h - 1 (below) become the conv's padding where >= 0 and a
 * crop of the dilated dy where < 0 (p_t >= k_h, or windows lying wholly in the padding:
 * their dy reaches no entry of x).
 *
 * Formula: dx[n, p, q, c] = sum_{a', b', o} dyd[n, p + a' - P_t, q + b' - P_l, o]
 * w[k_h - 1 - a', k_w - 1 - b', c, o], with dyd[n, s_h i, s_w j, o] = dy[n, i, j, o] and 0 elsewhere.
 *
 * @param g - the geometry of the forward conv
 * @returns the plan
 * @example
 * planInputGradient(convGeometry([1, 28, 28, 1], [3, 3, 1, 1], [1, 14, 14, 1], { strides: 2, pad: 1 })!).pad; // returns ~[[0,0],[1,2],[1,2],[0,0]]
 * @see proofs/tfjs/conv-gradients.md (claim tfjs/conv-gradients#input-gradient)
 */
export function planInputGradient(g: ConvGeometry): InputGradientPlan {
  const dilatedHeight = (g.outHeight - 1) * g.strideHeight + 1;
  const dilatedWidth = (g.outWidth - 1) * g.strideWidth + 1;
  const top = g.filterHeight - 1 - g.padTop;
  const left = g.filterWidth - 1 - g.padLeft;
  const bottom = g.inHeight + g.padTop - dilatedHeight;
  const right = g.inWidth + g.padLeft - dilatedWidth;
  const cropTop = Math.max(0, -top);
  const cropLeft = Math.max(0, -left);
  const bufferHeight = dilatedHeight - cropTop - Math.max(0, -bottom);
  const bufferWidth = dilatedWidth - cropLeft - Math.max(0, -right);
  return {
    bufferHeight,
    bufferWidth,
    cropTop,
    cropLeft,
    copy: g.strideHeight > 1 || g.strideWidth > 1 || bufferHeight !== dilatedHeight || bufferWidth !== dilatedWidth,
    pad: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

/** How the filter gradient is computed as a dilated forward conv (claim #filter-gradient). */
export interface FilterGradientPlan {
  /** Padding of x^T (shape [C_in, H, W, N]): top p_t, bottom max(0, k_h + s_h (H_o - 1) - H - p_t). */
  readonly pad: ExplicitPad;
  /** The conv's output height and width: k_h (resp. k_w) plus the rows (columns) to crop. */
  readonly outHeight: number;
  readonly outWidth: number;
}

/**
 * The filter gradient dw[a, b, c, o] = conv2d(x^T, dy^T, stride 1, dilation (s_h, s_w),
 * `pad`)[c, a, b, o] for a < k_h, b < k_w, where x^T[c, r, q, n] = x[n, r, q, c] and
 * dy^T[i, j, n, o] = dy[n, i, j, o]: batch and channels swap roles.
 *
 * Formula: dw[a, b, c, o] = sum_{i, j, n} x^T[c, s_h i + a - p_t, s_w j + b - p_l, n] dy^T[i, j, n, o].
 * When the input has rows no window reaches (negative bottom padding), the conv runs with
 * bottom padding 0 and yields more than k_h rows; the extra rows are cropped.
 *
 * @param g - the geometry of the forward conv
 * @returns the plan (always exists for H_o, W_o >= 1)
 * @example
 * planFilterGradient(convGeometry([1, 28, 28, 1], [3, 3, 1, 1], [1, 14, 14, 1], { strides: 2, pad: 1 })!).outHeight; // returns ~3
 * @see proofs/tfjs/conv-gradients.md (claim tfjs/conv-gradients#filter-gradient)
 */
export function planFilterGradient(g: ConvGeometry): FilterGradientPlan {
  const bottom = g.filterHeight + g.strideHeight * (g.outHeight - 1) - g.inHeight - g.padTop;
  const right = g.filterWidth + g.strideWidth * (g.outWidth - 1) - g.inWidth - g.padLeft;
  return {
    pad: [
      [0, 0],
      [g.padTop, Math.max(0, bottom)],
      [g.padLeft, Math.max(0, right)],
      [0, 0],
    ],
    outHeight: g.filterHeight + Math.max(0, -bottom),
    outWidth: g.filterWidth + Math.max(0, -right),
  };
}
