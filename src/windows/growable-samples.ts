/** A Float32Array that grows by doubling and is reused from one window to the next. */
export class GrowableSamples {
  private data: Float32Array;
  private size = 0;

  constructor(initialCapacity = 64) {
    this.data = new Float32Array(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.size;
  }

  append(samples: Float32Array): void {
    const needed = this.size + samples.length;
    if (needed > this.data.length) {
      let capacity = this.data.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = new Float32Array(capacity);
      grown.set(this.data.subarray(0, this.size));
      this.data = grown;
    }
    this.data.set(samples, this.size);
    this.size = needed;
  }

  /** A right-sized copy of what was appended. */
  copy(): Float32Array {
    return this.data.slice(0, this.size);
  }

  clear(): void {
    this.size = 0;
  }
}
