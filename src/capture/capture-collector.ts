import type { Advice, Window } from "../types.js";
import { type CapturedWindow, copyWindow, RawRing } from "./raw-ring.js";

/** Extra windows the ring holds: those featurised while the change's window waits for inference. */
const RING_SLACK = 8;

export interface CaptureRequest {
  readonly advice: Advice;
  readonly windows: CapturedWindow[];
  need: number;
  readonly startedMs: number;
}

/**
 * Raw capture around advice changes for one asset: a ring of the recent windows, and the
 * captures still collecting the windows after their change. `onChange` takes the `before`
 * windows up to the change's window (and any after it already held); each later window is
 * copied until `after` of them are there, then the capture is done.
 */
export class CaptureCollector {
  readonly ring: RawRing;
  private readonly channels: readonly string[];
  private readonly before: number;
  private readonly after: number;
  private readonly pending: CaptureRequest[] = [];

  constructor(channels: readonly string[], before: number, after: number) {
    this.channels = channels;
    this.before = before;
    this.after = after;
    this.ring = new RawRing(channels, before + after + RING_SLACK);
  }

  get collecting(): number {
    return this.pending.length;
  }

  /** Every window of the asset (gated or not). Returns the captures it completed. */
  push(w: Window, done: (r: CaptureRequest) => void): void {
    this.ring.push(w);
    for (let i = 0; i < this.pending.length; i++) {
      const r = this.pending[i]!;
      r.windows.push(copyWindow(w, this.channels));
      r.need--;
    }
    while (this.pending.length > 0 && this.pending[0]!.need <= 0) done(this.pending.shift()!);
  }

  /** An advice change: starts a capture (done at once when nothing is left to wait for). */
  onChange(advice: Advice, nowMs: number, done: (r: CaptureRequest) => void): void {
    const ts = advice.windowTsMs;
    const before = this.ring.take((t) => t <= ts).slice(-this.before);
    const afterHeld = this.ring.take((t) => t > ts).slice(0, this.after);
    const r: CaptureRequest = {
      advice,
      windows: [...before, ...afterHeld],
      need: this.after - afterHeld.length,
      startedMs: nowMs,
    };
    if (r.need <= 0) done(r);
    else this.pending.push(r);
  }

  /** Ends captures started before `olderThanMs` with what they have (all when omitted). */
  flush(done: (r: CaptureRequest) => void, olderThanMs = Number.POSITIVE_INFINITY): void {
    while (this.pending.length > 0 && this.pending[0]!.startedMs < olderThanMs) done(this.pending.shift()!);
  }
}
