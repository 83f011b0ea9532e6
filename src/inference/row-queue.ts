/**
 * A bounded FIFO of feature rows and their tags, in one preallocated ring of
 * `capacity × rowLength` floats. Pushing into a full queue evicts the oldest row and hands its
 * tag back, so that the caller can count and report it. No allocation per row.
 */
export class RowQueue<T> {
  readonly capacity: number;
  readonly rowLength: number;
  private readonly rows: Float32Array;
  private readonly tags: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(capacity: number, rowLength: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be ≥ 1, got ${capacity}`);
    if (!Number.isInteger(rowLength) || rowLength < 1)
      throw new RangeError(`rowLength must be ≥ 1, got ${rowLength}`);
    this.capacity = capacity;
    this.rowLength = rowLength;
    this.rows = new Float32Array(capacity * rowLength);
    this.tags = new Array<T | undefined>(capacity).fill(undefined);
  }

  get length(): number {
    return this.count;
  }

  /**
   * Copies `row` in. Returns `{ evicted: true, tag }` with the oldest row's tag when the queue was
   * full (that row is gone), `NOT_EVICTED` otherwise.
   */
  push(row: Float32Array, tag: T): Evicted<T> {
    let evicted: Evicted<T> = NOT_EVICTED;
    if (this.count === this.capacity) {
      evicted = { evicted: true, tag: this.shift() as T };
    }
    const slot = (this.head + this.count) % this.capacity;
    this.rows.set(row, slot * this.rowLength);
    this.tags[slot] = tag;
    this.count++;
    return evicted;
  }

  /** Removes and returns the oldest tag (its row is dropped), or undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const tag = this.tags[this.head];
    this.tags[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return tag;
  }

  /**
   * Moves the oldest `n` rows (n ≤ length) into `into` from offset 0, row-major, and returns their
   * tags in order.
   */
  take(n: number, into: Float32Array): T[] {
    if (n > this.count) throw new RangeError(`take(${n}) from a queue of ${this.count}`);
    const w = this.rowLength;
    const first = Math.min(n, this.capacity - this.head);
    into.set(this.rows.subarray(this.head * w, (this.head + first) * w), 0);
    if (n > first) into.set(this.rows.subarray(0, (n - first) * w), first * w);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) {
      const slot = (this.head + i) % this.capacity;
      out[i] = this.tags[slot] as T;
      this.tags[slot] = undefined;
    }
    this.head = (this.head + n) % this.capacity;
    this.count -= n;
    return out;
  }
}

export type Evicted<T> = { readonly evicted: false } | { readonly evicted: true; readonly tag: T };
const NOT_EVICTED = { evicted: false } as const;
