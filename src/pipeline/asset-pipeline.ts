import { AdviceMachine } from "../advice/advice-machine.js";
import type { ResolvedAsset } from "../config/load-config.js";
import { primaryChannel } from "../config/profile-schema.js";
import { createDecoder, type Decoder } from "../codecs/create-decoder.js";
import { FeatureExtractor } from "../features/feature-extractor.js";
import { AssetQuality } from "../quality/asset-quality.js";
import type { LoadedModel } from "../inference/load-model.js";
import type { ValueClasses } from "../inference/predict.js";
import type { PointContext } from "../sinks/telemetry-sink.js";
import type { AssetRef, Discarded, DiscardReason, Reading, Window } from "../types.js";
import { createWindower, type Windower } from "../windows/create-windower.js";

/** What travels with a feature row through the micro-batcher. */
export interface RowTag {
  readonly asset: AssetPipeline;
  readonly tsMs: number;
}

export interface AssetCounters {
  messages: number;
  windows: number;
  discarded: number;
  predictions: number;
  adviceChanges: number;
}

/**
 * The per-asset part of the pipeline: payload → readings → windows → one feature row each,
 * handed to the model's batcher; and the asset's advice state machine for the rows that come back.
 * The feature row buffer is reused: the batcher copies each row when it is enqueued.
 */
export class AssetPipeline {
  readonly ref: AssetRef;
  readonly config: ResolvedAsset;
  readonly model: LoadedModel;
  readonly decoder: Decoder;
  readonly windower: Windower;
  readonly extractor: FeatureExtractor;
  readonly machine: AdviceMachine;
  /** Operating-state gate, data quality, drift, baseline, capture and evidence (src/quality/asset-quality.ts). */
  readonly quality: AssetQuality;
  readonly predictionTopic: string;
  readonly adviceTopic: string;
  readonly pointContext: PointContext;
  /** How a regressor's value becomes an advice class (the profile's thresholds). */
  readonly valueClasses: ValueClasses;
  readonly counters: AssetCounters = {
    messages: 0,
    windows: 0,
    discarded: 0,
    predictions: 0,
    adviceChanges: 0,
  };
  private readonly row: Float32Array;

  private readonly onBadWindow: (reason: DiscardReason, detail: string) => void;

  constructor(
    asset: ResolvedAsset,
    model: LoadedModel,
    topicPrefix: string,
    onBadWindow: (reason: DiscardReason, detail: string) => void,
  ) {
    this.onBadWindow = onBadWindow;
    this.ref = asset.ref;
    this.config = asset;
    this.model = model;
    const p = asset.profile;
    const m = model.manifest;
    // The pipeline copies whatever it keeps of a reading (windowers, raw capture), so the decoder
    // can hand out one reused sample array instead of allocating one per message.
    this.decoder = createDecoder(p, { reuseSamples: true });
    this.windower = createWindower(p);
    const channel = primaryChannel(p);
    const sampleRateHz = m.input.sampleRateHz ?? p.channels[channel]?.sampleRateHz ?? Number.NaN;
    this.extractor = new FeatureExtractor(p.model.features ?? m.input.features, {
      primaryChannel: channel,
      sampleRateHz,
      windowSamples: p.windowing.type === "time" ? 1 : p.windowing.samples,
      // The manifest holds what training used (defect orders, band); the profile adds the machine's (shaft speed).
      params: { ...m.input.params, ...p.model.params },
    });
    this.row = new Float32Array(this.extractor.size);
    this.quality = new AssetQuality(asset, m, this.extractor.names, topicPrefix);
    this.machine = new AdviceMachine({
      site: asset.ref.site,
      asset: asset.ref.asset,
      model: m.name,
      modelVersion: m.version,
      advice: p.advice,
      labels: m.output.labels,
    });
    const base = `${topicPrefix}/${asset.ref.site}/${asset.ref.asset}`;
    this.predictionTopic = `${base}/prediction`;
    this.adviceTopic = `${base}/advice`;
    this.valueClasses = { thresholds: p.advice.thresholds ?? [], normalClass: p.advice.normalClass };
    this.pointContext = {
      asset: asset.ref,
      profile: asset.profileName,
      model: m.name,
      modelVersion: m.version,
    };
  }

  /**
   * Decodes one payload and feeds its windows to `emit` (features in a reused buffer).
   * Returns the Discarded value when the payload was bad.
   */
  ingest(
    payload: Uint8Array,
    nowMs: number,
    emit: (row: Float32Array, tag: RowTag) => void,
  ): Discarded | null {
    this.counters.messages++;
    const res = this.decoder(payload, nowMs);
    if (res.kind === "discarded") {
      this.counters.discarded++;
      return res;
    }
    this.ingestReadings(res.readings, emit);
    return null;
  }

  /** Readings decoded elsewhere (a Modbus poll) go straight to the windows. */
  ingestReadings(readings: readonly Reading[], emit: (row: Float32Array, tag: RowTag) => void): void {
    for (const reading of readings) {
      const windows = this.windower.push(reading);
      for (let i = 0; i < windows.length; i++) this.featurise(windows[i]!, emit);
    }
  }

  /** Closes time windows whose period has ended (called on a timer). */
  tick(nowMs: number, emit: (row: Float32Array, tag: RowTag) => void): void {
    const windows = this.windower.flush(nowMs);
    for (const w of windows) this.featurise(w, emit);
  }

  private featurise(w: Window, emit: (row: Float32Array, tag: RowTag) => void): void {
    this.counters.windows++;
    if (!this.quality.admit(w)) return;
    const row = this.row;
    this.extractor.compute(w, row, 0);
    for (let i = 0; i < row.length; i++) {
      if (!Number.isFinite(row[i]!)) {
        // A missing channel or shaft speed gives NaN features: the model must not see them.
        this.counters.discarded++;
        this.onBadWindow("non_finite", `feature ${this.extractor.names[i]} is ${row[i]}`);
        return;
      }
    }
    if (!this.quality.features(w, row)) return;
    emit(row, { asset: this, tsMs: w.tsMs });
  }
}
