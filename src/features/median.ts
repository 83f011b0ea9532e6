/**
 * Reorder a[0 .. count) so that a[k] is its k-th smallest value (0-based) and every value before
 * index k is ≤ a[k] (Hoare's selection, in place, no allocation). Returns nothing so that no
 * number is boxed on the hot path: read a[k] afterwards.
 */
export function selectInPlace(a: Float64Array, count: number, k: number): void {
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
}
