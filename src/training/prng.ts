/**
 * Seeded pseudo-random numbers for training and simulation: the same seed gives the same
 * sequence on every machine, so a training run or a simulated stream can be repeated exactly.
 */

/** A function returning uniform numbers in [0, 1). */
export type Rand = () => number;

/** mulberry32: a small 32-bit generator, the same one the benchmark peers use. */
export function mulberry32(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller; one of the pair is discarded to keep no hidden state). */
export function gaussian(rand: Rand): number {
  let u = 0;
  while (u === 0) u = rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Fisher-Yates shuffle in place; returns the same array. */
export function shuffleInPlace<E, L extends { length: number; [i: number]: E }>(a: L, rand: Rand): L {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i] as E;
    a[i] = a[j] as E;
    a[j] = t;
  }
  return a;
}

/** 0 … n-1 in a seeded random order. */
export function permutation(n: number, rand: Rand): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(p, rand);
}
