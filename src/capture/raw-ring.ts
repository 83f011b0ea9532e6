import type { Window } from "../types.js";

/** A raw window copied out of the ring, owned by whoever took it. */
export interface CapturedWindow {
  readonly t0Ms: number;
  readonly tsMs: number;
  readonly sampleRateHz: number;
  readonly channels: Readonly<Record<string, Float32Array>>;
}

interface Slot {
  t0Ms: number;
  tsMs: number;
  sampleRateHz: number;
  /** Per channel of the asset (profile order): a buffer reused from window to window. */
  readonly data: Float32Array[];
  readonly lengths: Int32Array;
}

/**
 * The most recent raw windows of one asset, copied into buffers that are reused: after the
 * first lap a push allocates nothing (a longer window grows its slot once). `take` copies the
 * windows out, oldest first, for a capture.
 */
export class RawRing {
  readonly capacity: number;
  private readonly channels: readonly string[];
  private readonly slots: Slot[];
  private head = 0;
  private filled = 0;

  constructor(channels: readonly string[], capacity: number) {
    this.channels = channels;
    this.capacity = Math.max(1, capacity);
    this.slots = Array.from({ length: this.capacity }, () => ({
      t0Ms: 0,
      tsMs: 0,
      sampleRateHz: Number.NaN,
      data: channels.map(() => new Float32Array(0)),
      lengths: new Int32Array(channels.length),
    }));
  }

  get size(): number {
    return this.filled;
  }

  push(w: Window): void {
    const s = this.slots[this.head]!;
    s.t0Ms = w.t0Ms;
    s.tsMs = w.tsMs;
    s.sampleRateHz = w.sampleRateHz;
    for (let c = 0; c < this.channels.length; c++) {
      const x = w.channels[this.channels[c]!];
      const n = x === undefined ? 0 : x.length;
      if (s.data[c]!.length < n) s.data[c] = new Float32Array(n);
      if (x !== undefined) s.data[c]!.set(x);
      s.lengths[c] = n;
    }
    this.head = (this.head + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
  }

  /** Copies of the held windows, oldest first, that pass `keep` (by their tsMs). */
  take(keep: (tsMs: number) => boolean = () => true): CapturedWindow[] {
    const out: CapturedWindow[] = [];
    for (let i = this.filled; i >= 1; i--) {
      const s = this.slots[(this.head - i + this.capacity) % this.capacity]!;
      if (!keep(s.tsMs)) continue;
      const channels: Record<string, Float32Array> = {};
      this.channels.forEach((name, c) => {
        if (s.lengths[c]! > 0) channels[name] = s.data[c]!.slice(0, s.lengths[c]!);
      });
      out.push({ t0Ms: s.t0Ms, tsMs: s.tsMs, sampleRateHz: s.sampleRateHz, channels });
    }
    return out;
  }
}

/** A copy of one window, for a capture still collecting the windows after its change. */
export function copyWindow(w: Window, channels: readonly string[]): CapturedWindow {
  const out: Record<string, Float32Array> = {};
  for (const c of channels) {
    const x = w.channels[c];
    if (x !== undefined && x.length > 0) out[c] = x.slice();
  }
  return { t0Ms: w.t0Ms, tsMs: w.tsMs, sampleRateHz: w.sampleRateHz, channels: out };
}
