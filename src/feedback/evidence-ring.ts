import type { Evidence } from "./feedback-store.js";

/**
 * The last `capacity` feature rows of one asset with their window times, in preallocated
 * buffers: a push is one copy of the row. When an advice changes, `take(windowTsMs)` copies out
 * the rows up to the window that made the change: the evidence the episode is stored with.
 */
export class EvidenceRing {
  readonly width: number;
  readonly capacity: number;
  private readonly rows: Float32Array;
  private readonly ts: Float64Array;
  private head = 0;
  private filled = 0;

  constructor(width: number, capacity: number) {
    this.width = width;
    this.capacity = Math.max(1, capacity);
    this.rows = new Float32Array(this.capacity * width);
    this.ts = new Float64Array(this.capacity);
  }

  push(row: Float32Array, tsMs: number): void {
    this.rows.set(row.length === this.width ? row : row.subarray(0, this.width), this.head * this.width);
    this.ts[this.head] = tsMs;
    this.head = (this.head + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
  }

  /** The held rows with tsMs ≤ untilTsMs, oldest first (at most `max`, the latest ones). */
  take(untilTsMs: number, max = this.capacity): Evidence {
    const picked: number[] = [];
    for (let i = 1; i <= this.filled; i++) {
      const slot = (this.head - i + this.capacity) % this.capacity;
      if (this.ts[slot]! <= untilTsMs) picked.push(slot);
      if (picked.length === max) break;
    }
    picked.reverse();
    const rows = new Float32Array(picked.length * this.width);
    picked.forEach((slot, i) => {
      rows.set(this.rows.subarray(slot * this.width, (slot + 1) * this.width), i * this.width);
    });
    return { tsMs: picked.map((s) => this.ts[s]!), rows };
  }
}
