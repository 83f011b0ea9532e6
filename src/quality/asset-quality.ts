import { type OperatingStatus, OperatingGate } from "../advice/gating.js";
import { AssetBaseline } from "../baseline/asset-baseline.js";
import type { RobustBaseline } from "../baseline/robust-baseline.js";
import { CaptureCollector, type CaptureRequest } from "../capture/capture-collector.js";
import type { ResolvedAsset } from "../config/load-config.js";
import { primaryChannel } from "../config/profile-schema.js";
import type { MaintenanceWindowConfig } from "../config/quality-schema.js";
import { EvidenceRing } from "../feedback/evidence-ring.js";
import type { EpisodeContext, Evidence } from "../feedback/feedback-store.js";
import type { Manifest } from "../inference/manifest-schema.js";
import { adviceMessage } from "../pipeline/messages.js";
import type { Advice, AssetRef, Prediction, Window } from "../types.js";
import { ChannelChecks } from "./channel-checks.js";
import { ConditionTracker, type QualityCondition } from "./condition-tracker.js";
import { DriftMonitor } from "./drift-monitor.js";
import { qualityAdviceMessage, qualityTopic } from "./quality-messages.js";
import { trainingBinsOf } from "./training-bins.js";

/** What an asset's loop stage hands to the agent-level loop (publish, store, log). */
export type LoopEvent =
  | {
      readonly kind: "advice";
      readonly source: "quality" | "baseline";
      readonly advice: Advice;
      readonly topic: string;
      readonly payload: string;
    }
  | { readonly kind: "operating"; readonly status: OperatingStatus }
  | { readonly kind: "capture"; readonly request: CaptureRequest }
  | {
      readonly kind: "episode";
      readonly advice: Advice;
      readonly context: EpisodeContext;
      readonly evidence: Evidence;
    }
  | { readonly kind: "baseline-fitted"; readonly baseline: RobustBaseline };

export interface AssetQualityHost {
  readonly now: () => number;
  emit(q: AssetQuality, e: LoopEvent): void;
  readonly evidenceWindows: number;
}

const DETACHED: AssetQualityHost = { now: Date.now, emit: () => {}, evidenceWindows: 16 };

/** Captures still waiting for their "after" windows are saved with what they have after this long. */
const CAPTURE_MAX_WAIT_MS = 60_000;

/**
 * The loop's per-asset stage, made once per asset pipeline and called from its `featurise`:
 * `admit(window)` before the features (raw capture ring, operating-state gate, data-quality
 * checks) and `features(window, row)` after them (evidence ring, drift, anomaly baseline).
 * Changes go to the host as events; a window that changes nothing allocates nothing.
 */
export class AssetQuality {
  readonly ref: AssetRef;
  readonly gate: OperatingGate;
  readonly checks: ChannelChecks | null;
  readonly drift: DriftMonitor | null;
  readonly baseline: AssetBaseline | null;
  readonly capture: CaptureCollector | null;
  /** The baseline's advice replaces the classifier's: rows do not go to the model. */
  readonly replacesClassifier: boolean;
  readonly context: EpisodeContext;
  /** Problems reading the manifest's training statistics (the features concerned are not watched). */
  readonly problems: readonly string[];
  readonly trackers: Partial<Record<QualityCondition, ConditionTracker>> = {};
  private readonly base: string;
  private readonly missingAfterMs: number;
  private readonly psiRaise: number;
  private readonly psiClear: number;
  private evidence: EvidenceRing;
  private baselineEvidence: EvidenceRing | null = null;
  private host: AssetQualityHost = DETACHED;
  private windowsSeen = 0;
  private windowsAtTick = -1;
  private lastSeenMs = Number.NaN;

  constructor(asset: ResolvedAsset, manifest: Manifest, rowNames: readonly string[], topicPrefix: string) {
    const p = asset.profile;
    const { site, asset: id } = asset.ref;
    this.ref = asset.ref;
    this.base = `${topicPrefix}/${site}/${id}`;
    this.gate = new OperatingGate(asset.ref.key, p.running, []);
    this.gate.onChange((status) => this.host.emit(this, { kind: "operating", status }));
    const primary = primaryChannel(p);
    const rateHz = manifest.input.sampleRateHz ?? p.channels[primary]?.sampleRateHz ?? Number.NaN;
    const w = p.windowing;
    const periodMs =
      w.type === "time" ? w.durationMs : ((w.type === "block" ? w.samples : w.hopSamples) / rateHz) * 1000;
    const params = { ...manifest.input.params, ...p.model.params };
    this.context = {
      profile: asset.profileName,
      normalClass: p.advice.normalClass,
      featureNames: [...rowNames],
      params,
      windowing: w.type,
      sampleRateHz: rateHz,
    };
    this.evidence = new EvidenceRing(rowNames.length, DETACHED.evidenceWindows);

    const q = p.quality;
    const tracker = (condition: QualityCondition, raiseAfter: number, clearAfter: number) => {
      this.trackers[condition] = new ConditionTracker({
        condition,
        site,
        asset: id,
        severity: q?.severity ?? "info",
        raiseAfter,
        clearAfter,
      });
    };
    this.checks = null;
    this.drift = null;
    const problems: string[] = [];
    if (q !== undefined) {
      this.checks = new ChannelChecks({
        channels: p.channels,
        windowing: w.type,
        expectedIntervalMs: w.type === "time" ? Number.NaN : periodMs,
        durationMs: w.type === "time" ? w.durationMs : Number.NaN,
        quality: q,
      });
      if (q.flatline.enabled) tracker("flatline", 1, q.clearAfter);
      if (q.clipping.enabled) tracker("clipping", q.clipping.windows, q.clearAfter);
      if (q.jitter.enabled) tracker("sample_rate_jitter", q.jitter.windows, q.clearAfter);
      if (q.missing.enabled) tracker("missing_data", 1, 1);
      if (q.drift.enabled) {
        const stats = trainingBinsOf(manifest.trainingStats, manifest.output.labels);
        problems.push(...stats.problems);
        this.drift = new DriftMonitor(rowNames, stats.bins, q.drift, stats.classShares);
        if (this.drift.watching)
          tracker("model_out_of_distribution", q.drift.evaluations, q.drift.evaluations);
        else problems.push("drift: the model's manifest has no training statistics for its features");
      }
    }
    this.problems = problems;
    this.psiRaise = q?.drift.raisePsi ?? Number.POSITIVE_INFINITY;
    this.psiClear = q?.drift.clearPsi ?? 0;
    this.missingAfterMs =
      q?.missing.afterMs ?? Math.max(10_000, 5 * (Number.isFinite(periodMs) ? periodMs : 0));

    this.baseline =
      p.baseline === undefined
        ? null
        : new AssetBaseline({
            site,
            asset: id,
            cfg: p.baseline,
            advice: p.advice,
            rowNames,
            extractor: {
              primaryChannel: primary,
              sampleRateHz: rateHz,
              windowSamples: w.type === "time" ? 1 : w.samples,
              params,
            },
            onFitted: (baseline) => this.host.emit(this, { kind: "baseline-fitted", baseline }),
          });
    this.replacesClassifier = p.baseline?.mode === "replace";
    if (this.baseline !== null && this.baseline.names !== rowNames) {
      this.baselineEvidence = new EvidenceRing(this.baseline.names.length, DETACHED.evidenceWindows);
    }
    this.capture =
      p.capture === undefined
        ? null
        : new CaptureCollector(Object.keys(p.channels), p.capture.before, p.capture.after);
  }

  /** Connects the stage to the agent's loop: its clock, where events go, the maintenance schedule. */
  attach(host: AssetQualityHost, schedule: readonly MaintenanceWindowConfig[]): void {
    this.host = host;
    this.gate.setSchedule(schedule, host.now());
    if (host.evidenceWindows !== this.evidence.capacity) {
      this.evidence = new EvidenceRing(this.evidence.width, host.evidenceWindows);
      if (this.baselineEvidence !== null) {
        this.baselineEvidence = new EvidenceRing(this.baselineEvidence.width, host.evidenceWindows);
      }
    }
    this.lastSeenMs = host.now();
  }

  /** Every window, before its features: false when the window must not reach the model (gated). */
  admit(w: Window): boolean {
    const now = this.host.now();
    this.windowsSeen++;
    const missing = this.trackers.missing_data;
    if (missing?.active) this.report("missing_data", missing.observe(false, w.tsMs, now), null);
    this.capture?.push(w, this.captureDone);
    if (!this.gate.admit(w, now)) return false;
    const c = this.checks;
    if (c !== null) {
      c.check(w);
      const t = this.trackers;
      if (t.flatline) this.report("flatline", t.flatline.observe(c.flatMask !== 0, w.tsMs, now), c.flatMask);
      if (t.clipping) this.report("clipping", t.clipping.observe(c.clipMask !== 0, w.tsMs, now), c.clipMask);
      const jitter = t.sample_rate_jitter;
      if (jitter)
        this.report("sample_rate_jitter", jitter.observe(c.jitterMask !== 0, w.tsMs, now), c.jitterMask);
    }
    return true;
  }

  /** An admitted window's finite feature row: false when the row must not go to the model. */
  features(w: Window, row: Float32Array): boolean {
    this.evidence.push(row, w.tsMs);
    const drift = this.drift;
    if (drift?.add(row, w.tsMs)) this.evaluateDrift(w.tsMs);
    const b = this.baseline;
    if (b !== null) {
      const change = b.observe(w, row, this.host.now());
      if (this.baselineEvidence !== null && b.row.length > 0) this.baselineEvidence.push(b.row, w.tsMs);
      if (change !== null) this.onBaselineAdvice(change);
    }
    return !this.replacesClassifier;
  }

  /** The fault model's prediction for a row (from the agent): drift is then counted per predicted class. */
  prediction(p: Prediction): void {
    if (this.drift?.classify(p.tsMs, p.classIndex)) this.evaluateDrift(p.tsMs);
  }

  /** An advice change of the fault model (from the agent): stores the episode's evidence, starts a capture. */
  onAdvice(advice: Advice): void {
    this.episode(advice, this.evidence, this.context);
  }

  /** About once a second: maintenance windows, missing data, captures that waited too long. */
  tick(nowMs: number): void {
    this.gate.tick(nowMs);
    const missing = this.trackers.missing_data;
    if (missing !== undefined) {
      if (this.windowsSeen !== this.windowsAtTick) {
        this.windowsAtTick = this.windowsSeen;
        if (this.windowsSeen > 0 || Number.isNaN(this.lastSeenMs)) this.lastSeenMs = nowMs;
      }
      const state = this.gate.status.state;
      const silentMs = nowMs - this.lastSeenMs;
      const silent = silentMs > this.missingAfterMs && state !== "stopped" && state !== "maintenance";
      if (silent && !missing.active) {
        const change = missing.observe(true, Number.NaN, nowMs);
        if (change !== null)
          this.emitQuality("missing_data", change, { silentMs, afterMs: this.missingAfterMs });
      }
    }
    this.capture?.flush(this.captureDone, nowMs - CAPTURE_MAX_WAIT_MS);
  }

  /** Saves the captures still collecting with what they have (at stop). */
  flush(): void {
    this.capture?.flush(this.captureDone);
  }

  /** For status and health: the operating state, active conditions, drift and baseline. */
  snapshot(): Record<string, unknown> {
    const conditions = Object.entries(this.trackers)
      .filter(([, t]) => t.active)
      .map(([c]) => c);
    const counts = Object.fromEntries(Object.entries(this.trackers).map(([c, t]) => [c, { ...t.counts }]));
    return {
      operating: this.gate.status,
      gate: { ...this.gate.counts },
      conditions,
      counts,
      drift:
        this.drift === null
          ? null
          : { evaluations: this.drift.evaluations, rows: this.drift.rows, top: this.drift.top(3) },
      baseline:
        this.baseline === null
          ? null
          : {
              phase: this.baseline.detector.phase,
              ...this.baseline.detector.counts,
              lastScore: this.baseline.detector.lastScore,
              advice: this.baseline.machine.current.fault,
            },
      capturesCollecting: this.capture?.collecting ?? 0,
    };
  }

  private evaluateDrift(tsMs: number): void {
    const drift = this.drift!;
    const t = this.trackers.model_out_of_distribution;
    if (t === undefined) return;
    const e = drift.evaluate();
    const bad = e.maxPsi > (t.active ? this.psiClear : this.psiRaise);
    const change = t.observe(bad, tsMs, this.host.now());
    if (change !== null) {
      this.emitQuality("model_out_of_distribution", change, {
        maxPsi: Number(e.maxPsi.toFixed(4)),
        feature: e.feature,
        top: drift.top(3),
        windows: drift.rows,
      });
    }
  }

  private report(condition: QualityCondition, change: Advice | null, mask: number | null): void {
    if (change === null) return;
    const channels = mask === null || this.checks === null ? [] : this.checks.channelsOf(mask);
    this.emitQuality(condition, change, change.transition === "raise" ? { channels } : {});
  }

  private emitQuality(condition: QualityCondition, advice: Advice, detail: Record<string, unknown>): void {
    const payload = qualityAdviceMessage(advice, condition, detail);
    this.host.emit(this, {
      kind: "advice",
      source: "quality",
      advice,
      topic: qualityTopic(this.base, condition),
      payload,
    });
  }

  private onBaselineAdvice(advice: Advice): void {
    const topic = this.replacesClassifier ? `${this.base}/advice` : `${this.base}/advice/baseline`;
    this.host.emit(this, {
      kind: "advice",
      source: "baseline",
      advice,
      topic,
      payload: adviceMessage(advice),
    });
    const names = this.baseline!.names;
    this.episode(advice, this.baselineEvidence ?? this.evidence, {
      ...this.context,
      featureNames: [...names],
    });
  }

  private episode(advice: Advice, ring: EvidenceRing, context: EpisodeContext): void {
    if (advice.transition === "raise") {
      const evidence = ring.take(advice.windowTsMs, this.host.evidenceWindows);
      this.host.emit(this, { kind: "episode", advice, context, evidence });
    } else {
      this.host.emit(this, {
        kind: "episode",
        advice,
        context,
        evidence: { tsMs: [], rows: new Float32Array(0) },
      });
    }
    this.capture?.onChange(advice, this.host.now(), this.captureDone);
  }

  private readonly captureDone = (request: CaptureRequest): void => {
    this.host.emit(this, { kind: "capture", request });
  };
}
