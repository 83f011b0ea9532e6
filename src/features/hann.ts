const MAX_CACHED = 16;
const windows = new Map<number, Float64Array>();

/**
 * The symmetric Hann window of length n, w[i] = 0.5 − 0.5·cos(2πi/(n−1)) (numpy.hanning), from a
 * small shared cache. Length 1 gives [1]. The array is shared: do not write to it.
 */
export function hannWindow(n: number): Float64Array {
  let w = windows.get(n);
  if (w === undefined) {
    w = new Float64Array(n);
    if (n === 1) w[0] = 1;
    for (let i = 0; i < n && n > 1; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    if (windows.size >= MAX_CACHED) {
      const oldest = windows.keys().next();
      if (!oldest.done) windows.delete(oldest.value);
    }
    windows.set(n, w);
  }
  return w;
}
