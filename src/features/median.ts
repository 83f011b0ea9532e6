/**
 * Median of a[0 .. count) by quickselect, in place (reorders those entries), no allocation.
 * Even counts give the mean of the two middle values; an empty range gives NaN.
 */
export function medianInPlace(a: Float64Array, count: number): number {
  if (count <= 0) return Number.NaN;
  const k = count >> 1;
  const upper = select(a, count, k);
  if ((count & 1) === 1) return upper;
  // After select, a[0 .. k) holds the k smallest values: the lower middle is their maximum.
  let lower = a[0]!;
  for (let i = 1; i < k; i++) if (a[i]! > lower) lower = a[i]!;
  return 0.5 * (lower + upper);
}

/** The k-th smallest of a[0 .. count) (Hoare's selection); leaves smaller values before k. */
function select(a: Float64Array, count: number, k: number): number {
  let lo = 0;
  let hi = count - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}
