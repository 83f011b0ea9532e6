const EMPTY = new Float32Array(0);

/**
 * The samples of one channel for the window being computed, plus the per-window inputs shared by
 * all features. Families keep their intermediate results (moments, spectrum, envelope) in slots
 * attached here once, at extractor construction; a slot recomputes when `epoch` has moved on, so
 * each intermediate is computed at most once per window per channel and its buffers are reused.
 */
export class ChannelContext {
  readonly channel: string;
  /** The extractor's nominal rate, used by features that need a rate when the window has none. */
  readonly nominalSampleRateHz: number;
  samples: Float32Array = EMPTY;
  /** Sample rate of the current window (NaN for scalar windows). */
  sampleRateHz = Number.NaN;
  /** Shaft rotation frequency for the current window, NaN when unknown. */
  shaftHz = Number.NaN;
  /** False when the window has no samples for this channel (its features are then NaN). */
  present = false;
  /** Increases with every window; slots compare it with the epoch they were computed at. */
  epoch = 0;
  private readonly slots = new Map<string, unknown>();

  constructor(channel: string, nominalSampleRateHz: number) {
    this.channel = channel;
    this.nominalSampleRateHz = nominalSampleRateHz;
  }

  reset(samples: Float32Array | undefined, sampleRateHz: number, shaftHz: number): void {
    this.samples = samples ?? EMPTY;
    this.present = samples !== undefined && samples.length > 0;
    this.sampleRateHz = sampleRateHz;
    this.shaftHz = shaftHz;
    this.epoch++;
  }

  /** The window's sample rate, or the nominal one when the window does not carry a usable rate. */
  rateHz(): number {
    return this.sampleRateHz > 0 ? this.sampleRateHz : this.nominalSampleRateHz;
  }

  /**
   * The slot `key`, created by `create` the first time. Call it when binding a feature, never per
   * window (the callback is itself an allocation).
   */
  slot<T>(key: string, create: (ctx: ChannelContext) => T): T {
    let s = this.slots.get(key) as T | undefined;
    if (s === undefined) {
      s = create(this);
      this.slots.set(key, s);
    }
    return s;
  }
}
