import { resolveStatePath } from "../config/state-path.js";
import { parseMaintenance } from "../advice/gating.js";
import { CaptureStore } from "../capture/capture-store.js";
import type { LoadedConfig, ResolvedAsset } from "../config/load-config.js";
import { type FleetQuality, fleetQualityOf } from "../config/quality-schema.js";
import { type FeedbackMessage, parseFeedback } from "../feedback/feedback-message.js";
import { type FeedbackResult, FeedbackStore, type PrecisionRow } from "../feedback/feedback-store.js";
import type { Logger } from "../ops/logger.js";
import type { PointContext } from "../sinks/telemetry-sink.js";
import type { Advice, AssetRef } from "../types.js";
import type { AssetQuality, LoopEvent } from "./asset-quality.js";
import { feedbackResultMessage, operatingMessage } from "./quality-messages.js";

/** What the loop needs of an asset pipeline. */
export interface LoopAsset {
  readonly ref: AssetRef;
  readonly config: ResolvedAsset;
  readonly quality: AssetQuality;
  /** Tags of the asset's points in the sinks. */
  readonly pointContext: PointContext;
}

export interface QualityLoopOptions {
  readonly config: LoadedConfig;
  readonly log: Logger;
  readonly now: () => number;
  readonly publish: (topic: string, payload: string, qos: 0 | 1, retain: boolean) => void;
  /** Quality and baseline advice, after it was published (the agent passes it to sinks and consumers). */
  readonly onAdvice?: (advice: Advice, source: "quality" | "baseline", asset: LoopAsset) => void;
  /** An asset's operating state changed (the agent republishes its status). */
  readonly onOperatingChange?: () => void;
}

/**
 * The agent-level half of closing the loop: the durable feedback store (episodes, evidence,
 * verdicts, baselines), the raw capture folder, feedback and maintenance messages, and the
 * events of every asset's AssetQuality stage (published, logged, stored). Started after the
 * pipelines are built; `setAssets` again after a reload.
 */
export class QualityLoop {
  readonly settings: FleetQuality;
  readonly counts = {
    feedback: 0,
    feedbackRefused: 0,
    maintenanceMessages: 0,
    badMaintenance: 0,
    captures: 0,
  };
  private readonly o: QualityLoopOptions;
  private readonly log: Logger;
  private store: FeedbackStore | null = null;
  private captures: CaptureStore | null = null;
  private readonly byKey = new Map<string, LoopAsset>();
  private readonly byQuality = new Map<AssetQuality, LoopAsset>();
  private timer: NodeJS.Timeout | null = null;
  private operatingChanged = false;
  private readonly prefix: string;

  constructor(o: QualityLoopOptions) {
    this.o = o;
    this.log = o.log.child({ module: "loop" });
    this.settings = fleetQualityOf(o.config.fleet);
    this.prefix = o.config.fleet.topicPrefix;
  }

  /** The feedback store (null when it could not be opened). */
  get feedbackStore(): FeedbackStore | null {
    return this.store;
  }

  async start(assets: readonly LoopAsset[]): Promise<void> {
    const at = (p: string) => resolveStatePath(this.o.config.fleetFile, p);
    try {
      const store = new FeedbackStore(at(this.settings.feedback.path));
      store.open();
      this.store = store;
    } catch (err) {
      this.log.error(
        { code: "EA_FEEDBACK_STORE", path: at(this.settings.feedback.path), err: (err as Error).message },
        "feedback store not opened: feedback, episodes and baselines are not kept",
      );
    }
    if (assets.some((a) => a.config.profile.capture !== undefined)) {
      const c = new CaptureStore(at(this.settings.capture.dir), this.settings.capture.maxMB * 1024 * 1024);
      try {
        await c.start();
        this.captures = c;
      } catch (err) {
        this.log.error(
          { code: "EA_CAPTURE_DIR", dir: c.dir, err: (err as Error).message },
          "raw capture folder not usable: no captures",
        );
      }
    }
    this.setAssets(assets);
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  /** (Re)attaches the assets' stages: at start and after every reload. */
  setAssets(assets: readonly LoopAsset[], config: LoadedConfig = this.o.config): void {
    const maintenance = fleetQualityOf(config.fleet).maintenance;
    this.byKey.clear();
    this.byQuality.clear();
    const host = {
      now: this.o.now,
      evidenceWindows: this.settings.feedback.evidenceWindows,
      emit: (q: AssetQuality, e: LoopEvent) => this.onEvent(q, e),
    };
    for (const a of assets) {
      this.byKey.set(a.ref.key, a);
      this.byQuality.set(a.quality, a);
      a.quality.attach(host, maintenance);
      for (const p of a.quality.problems) this.log.warn({ asset: a.ref.key }, p);
      const b = a.quality.baseline;
      if (b !== null && b.detector.phase === "learning" && this.store !== null) {
        const stored = this.store.loadBaseline(a.ref.key);
        if (stored !== null && b.detector.restore(stored)) {
          this.log.info({ asset: a.ref.key, rows: stored.rows }, "anomaly baseline restored");
        }
      }
    }
  }

  /** MQTT subscriptions the loop needs: feedback and maintenance of every asset. */
  subscriptions(): { topic: string; qos: 0 | 1 }[] {
    return [
      { topic: `${this.prefix}/+/+/feedback`, qos: 1 },
      { topic: `${this.prefix}/+/+/maintenance`, qos: 1 },
    ];
  }

  /** A message no pipeline took: true when it was the loop's (feedback, maintenance). */
  onMessage(topic: string, payload: Buffer): boolean {
    const parts = topic.split("/");
    const kind = parts[parts.length - 1];
    if (parts.length < 4 || (kind !== "feedback" && kind !== "maintenance")) return false;
    if (`${parts.slice(0, parts.length - 3).join("/")}` !== this.prefix) return false;
    const key = `${parts[parts.length - 3]}/${parts[parts.length - 2]}`;
    if (kind === "maintenance") this.onMaintenance(key, payload);
    else {
      const m = parseFeedback(payload);
      const r = typeof m === "string" ? this.refused("", m, "mqtt") : this.feedback(m, "mqtt", key);
      this.o.publish(`${this.prefix}/${key}/feedback/result`, feedbackResultMessage(r), 1, false);
    }
    return true;
  }

  /** A verdict from MQTT or HTTP; `assetKey` (from the topic) must be the episode's asset when given. */
  feedback(m: FeedbackMessage, source: "mqtt" | "http", assetKey?: string): FeedbackResult {
    if (this.store === null) return this.refused(m.episodeId, "the feedback store is not open", source);
    const r = this.store.addFeedback(m, source, this.o.now());
    if (!r.ok) return this.refused(m.episodeId, r.error ?? "refused", source);
    if (assetKey !== undefined && `${r.site}/${r.asset}` !== assetKey) {
      this.log.warn(
        { asset: assetKey, episode: m.episodeId },
        `feedback sent on ${assetKey}'s topic for an episode of ${r.site}/${r.asset}`,
      );
    }
    this.counts.feedback++;
    this.log.info(
      {
        asset: `${r.site}/${r.asset}`,
        model: r.model,
        episode: m.episodeId,
        verdict: m.verdict,
        faultCode: m.faultCode,
        by: m.by,
        source,
      },
      `feedback: ${m.verdict}${m.faultCode ? ` (${m.faultCode})` : ""}`,
    );
    // A repair changes what normal looks like: the asset's baseline learns again.
    const a = this.byKey.get(`${r.site}/${r.asset}`);
    if (m.verdict === "fixed" && r.model === "baseline" && a?.quality.baseline) {
      a.quality.baseline.detector.relearn();
      this.store.deleteBaseline(a.ref.key);
      this.log.info({ asset: a.ref.key }, "anomaly baseline relearning after a repair");
    }
    return r;
  }

  precision(): PrecisionRow[] {
    return this.store?.precision() ?? [];
  }

  /** Operating state per asset, for the agent's status message. */
  operatingStatus(): Record<string, { state: string; reason: string }> {
    const out: Record<string, { state: string; reason: string }> = {};
    for (const [key, a] of this.byKey) {
      const s = a.quality.gate.status;
      if (s.state !== "running" || a.config.profile.running !== undefined)
        out[key] = { state: s.state, reason: s.reason };
    }
    return out;
  }

  /** For /healthz and tests: per asset operating state, quality conditions, drift, baseline. */
  health(): Record<string, unknown> {
    return {
      feedbackStore: this.store?.path ?? null,
      captures: this.captures
        ? { dir: this.captures.dir, bytes: this.captures.bytes, ...this.captures.counts }
        : null,
      counts: { ...this.counts },
      assets: Object.fromEntries([...this.byKey].map(([k, a]) => [k, a.quality.snapshot()])),
    };
  }

  /** The fault model's advice changed (from the agent): episode and evidence stored, capture started. */
  onAdvice(quality: AssetQuality, advice: Advice): void {
    quality.onAdvice(advice);
  }

  async stop(timeoutMs: number): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const a of this.byKey.values()) a.quality.flush();
    await this.captures?.stop(timeoutMs);
    this.store?.close();
    this.store = null;
  }

  private tick(): void {
    const now = this.o.now();
    for (const a of this.byKey.values()) a.quality.tick(now);
    // At most one status message a second, however often the states change.
    if (this.operatingChanged) {
      this.operatingChanged = false;
      this.o.onOperatingChange?.();
    }
  }

  private refused(episodeId: string, error: string, source: string): FeedbackResult {
    this.counts.feedbackRefused++;
    this.log.warn({ episode: episodeId || undefined, source, err: error }, "feedback refused");
    return { ok: false, episodeId, error };
  }

  private onMaintenance(key: string, payload: Buffer): void {
    const a = this.byKey.get(key);
    const m = parseMaintenance(payload);
    if (typeof m === "string") {
      this.counts.badMaintenance++;
      this.log.warn({ asset: key, err: m }, "maintenance message ignored");
      return;
    }
    this.counts.maintenanceMessages++;
    a?.quality.gate.setMaintenance(m, this.o.now());
  }

  private onEvent(q: AssetQuality, e: LoopEvent): void {
    const a = this.byQuality.get(q);
    if (a === undefined) return;
    const key = a.ref.key;
    switch (e.kind) {
      case "advice": {
        this.o.publish(e.topic, e.payload, 1, true);
        const adv = e.advice;
        this.log.info(
          {
            asset: key,
            source: e.source,
            fault: adv.fault,
            severity: adv.severity,
            transition: adv.transition,
            episode: adv.episodeId,
          },
          adv.transition === "recover"
            ? `${key}: ${e.source} back to ${adv.fault}`
            : `${key}: ${adv.fault} (${adv.severity}) — ${adv.action}`,
        );
        this.o.onAdvice?.(adv, e.source, a);
        return;
      }
      case "operating":
        this.o.publish(
          `${this.prefix}/${key}/operating`,
          operatingMessage(a.ref.site, a.ref.asset, e.status),
          1,
          true,
        );
        this.log.info(
          { asset: key, state: e.status.state, reason: e.status.reason },
          `${key}: ${e.status.state}`,
        );
        this.operatingChanged = true;
        return;
      case "episode":
        try {
          this.store?.recordAdvice(e.advice, e.context, e.evidence);
        } catch (err) {
          this.log.error(
            {
              code: "EA_FEEDBACK_STORE",
              asset: key,
              episode: e.advice.episodeId,
              err: (err as Error).message,
            },
            "episode not stored",
          );
        }
        return;
      case "baseline-fitted":
        this.store?.saveBaseline(key, e.baseline);
        this.log.info(
          { asset: key, rows: e.baseline.rows, features: e.baseline.features.length },
          "anomaly baseline learned",
        );
        return;
      case "capture": {
        const c = this.captures;
        if (c === null) return;
        const { advice, windows } = e.request;
        void c.save(advice, windows).then((path) => {
          if (path === null) return;
          this.counts.captures++;
          try {
            this.store?.recordCapture(advice.episodeId, advice.transition, path, this.o.now());
          } catch {
            // The store closed while the capture was written (stop): the folder stays on disk.
          }
        });
        return;
      }
    }
  }
}
