import { dirname } from "node:path";
import type { LoadedConfig, ResolvedAsset } from "./config/load-config.js";
import { loadModel, type LoadedModel, releaseModel, checkProfileFit } from "./inference/load-model.js";
import { MicroBatcher, type BatchResult } from "./inference/micro-batcher.js";
import { predictRow } from "./inference/predict.js";
import { DiscardCounter } from "./ops/discard-counter.js";
import { type BatchHistograms, batchHistograms } from "./ops/fixed-histogram.js";
import type { Logger } from "./ops/logger.js";
import type { AgentOpsView } from "./ops/ops-view.js";
import { assetFingerprint, planReload, type ReloadOutcome } from "./ops/reload-plan.js";
import { leftForNextStart, shedTotal } from "./ops/shutdown-report.js";
import { wedgeableForTest } from "./ops/test-wedge.js";
import { AssetPipeline, type RowTag } from "./pipeline/asset-pipeline.js";
import { QualityLoop } from "./quality/quality-loop.js";
import { adviceMessage, predictionMessage } from "./pipeline/messages.js";
import { MqttConnection, type Subscription } from "./sources/mqtt-connection.js";
import { compilePattern, topicFor, TopicRouter } from "./sources/topic-router.js";
import type { AdviceConsumer } from "./actions/advice-consumer.js";
import type { TelemetrySink } from "./sinks/telemetry-sink.js";
import type { Source, SourceSink } from "./sources/source.js";
import type { Advice, Reading } from "./types.js";

export const AGENT_VERSION = "0.1.0";

export interface AgentOptions {
  readonly config: LoadedConfig;
  readonly log: Logger;
  /** Called for every advice change (the CLI prints them; tests collect them). */
  readonly onAdvice?: (advice: Advice) => void;
  readonly now?: () => number;
  /** History sinks (InfluxDB, local store). */
  readonly sinks?: readonly TelemetrySink[];
  /** Consumers of advice changes (the action outbox). */
  readonly consumers?: readonly AdviceConsumer[];
  /** Sources besides the MQTT connection (serial ports, Modbus buses). */
  readonly sources?: readonly Source[];
}

interface ModelRuntime {
  readonly model: LoadedModel;
  readonly batcher: MicroBatcher<RowTag>;
  /** Latency and rows per batch, for /metrics. */
  readonly histograms: BatchHistograms;
}

/**
 * The composition root: builds the stages from the config, wires them one way
 * (MQTT → asset pipelines → per-model batchers → advice → MQTT), and owns start and stop.
 */
export class Agent {
  private readonly opts: AgentOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private mqtt: MqttConnection | null = null;
  /** Feedback, captures, gating, data quality, drift and baselines (src/quality/quality-loop.ts). */
  private loop: QualityLoop | null = null;
  private readonly models = new Map<string, ModelRuntime>();
  private readonly pipelines: AssetPipeline[] = [];
  /** Replaced whole by a reload (a router cannot drop routes). */
  private router = new TopicRouter<AssetPipeline>();
  /** The config running now (a reload replaces it). */
  private config: LoadedConfig;
  private readonly byKey = new Map<string, AssetPipeline>();
  private readonly sinks: readonly TelemetrySink[];
  private readonly consumers: readonly AdviceConsumer[];
  private readonly sources: readonly Source[];
  private discards!: DiscardCounter;
  private timers: NodeJS.Timeout[] = [];
  private startedAtMs = 0;
  private unknownTopic = 0;

  constructor(opts: AgentOptions) {
    this.opts = opts;
    this.config = opts.config;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.sinks = opts.sinks ?? [];
    this.consumers = opts.consumers ?? [];
    this.sources = opts.sources ?? [];
  }

  get assets(): readonly AssetPipeline[] {
    return this.pipelines;
  }

  get connection(): MqttConnection | null {
    return this.mqtt;
  }

  /** Loads models, builds pipelines, connects. Resolves once everything is up (the broker may still be away). */
  async start(): Promise<void> {
    const config = this.config;
    const fleet = config.fleet;
    this.startedAtMs = this.now();
    this.discards = new DiscardCounter(this.log.child({ module: "codecs" }));
    for (const i of config.profileIssues) {
      this.log.error({ module: "config", file: i.file, path: i.path }, `profile invalid: ${i.message}`);
    }
    for (const d of config.disabled) {
      this.log.error(
        { module: "config", asset: d.ref.key, profile: d.profileName },
        "asset disabled: its profile is invalid",
      );
    }

    for (const a of config.assets) {
      const runtime = await this.modelRuntime(a.modelDir);
      if (runtime === null) continue;
      const pipeline = this.pipelineFor(a, runtime.model);
      if (!(pipeline instanceof AssetPipeline)) {
        this.log.error(
          { module: pipeline.module, asset: a.ref.key, problems: pipeline.problems },
          pipeline.module === "inference"
            ? "asset disabled: model does not fit its profile"
            : "asset disabled",
        );
        continue;
      }
      this.pipelines.push(pipeline);
      this.byKey.set(a.ref.key, pipeline);
      this.routeTopic(pipeline);
    }

    const mlog = this.log.child({ module: "mqtt" });
    const statusTopic = `${fleet.topicPrefix}/agent/${fleet.agent.id}/status`;
    this.loop = new QualityLoop({
      config,
      log: this.log,
      now: this.now,
      publish: (t, p, q, r) => this.mqtt?.publish(t, p, q, r),
      onAdvice: (advice, source, a) => {
        for (const s of this.sinks) s.advice(a.pointContext, advice);
        if (source === "baseline") for (const c of this.consumers) c.onAdvice(advice, a.config);
        this.opts.onAdvice?.(advice);
      },
      onOperatingChange: () => this.mqtt?.publish(statusTopic, this.statusMessage(), 1, true),
    });
    await this.loop.start(this.pipelines);
    this.mqtt = new MqttConnection({
      config: fleet.mqtt,
      baseDir: dirname(config.fleetFile),
      clientId: fleet.mqtt.clientId ?? `edge-agent-${fleet.agent.id}`,
      statusTopic,
      statusPayload: () => this.statusMessage(),
      log: mlog,
    });
    this.mqtt.onMessage((topic, payload) => this.onMessage(topic, payload));
    this.mqtt.subscribe(this.subscriptions());
    for (const m of this.models.values()) m.batcher.start();

    // Always on (a reload may bring time windows); a pass over the pipelines 4 times a second.
    this.timers.push(setInterval(() => this.tickTimeWindows(), 250));
    this.timers.push(setInterval(() => this.discards.summarise(), fleet.log.summaryIntervalS * 1000));
    for (const t of this.timers) t.unref();

    for (const s of this.sinks) await s.start();
    for (const c of this.consumers) await c.start();
    for (const src of this.sources) await src.start(this.sourceSink);
    void this.mqtt.start();
    const connected = await this.mqtt.whenConnected(5000);
    this.log.info(
      {
        module: "agent",
        assets: this.pipelines.length,
        disabled: config.disabled.length,
        models: [...this.models.values()].map((m) => `${m.model.manifest.name}@${m.model.manifest.version}`),
        connected,
      },
      connected ? "agent started" : "agent started; broker not reachable yet, retrying in the background",
    );
  }

  /** Stops sources first, drains inference, publishes offline, within about `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const deadline = this.now() + timeoutMs;
    // Messages from now on are not acknowledged: the broker keeps them for the next start.
    const inputHeld = this.mqtt?.holdInput() ?? false;
    const shedBefore = shedTotal(this.opsView());
    const left = () => Math.max(100, deadline - this.now());
    await Promise.all(this.sources.map((s) => s.stop(left() / 4)));
    await Promise.all([...this.models.values()].map((m) => m.batcher.stop(left() / 3)));
    await Promise.all(this.consumers.map((c) => c.stop(left() / 2)));
    await Promise.all(this.sinks.map((s) => s.stop(left() / 2)));
    await this.loop?.stop(left() / 2);
    await this.mqtt?.stop(left());
    const left4next = leftForNextStart(this.opsView(), inputHeld, shedTotal(this.opsView()) - shedBefore);
    await Promise.all([...this.models.values()].map((m) => releaseModel(m.model)));
    this.models.clear();
    this.log.info({ module: "agent", discarded: this.discards.byReason(), left: left4next }, "agent stopped");
  }

  /** The retained online status: counts, and the assets not running (with the reason). */
  private statusMessage(): string {
    return JSON.stringify({
      state: "online",
      agent: this.config.fleet.agent.id,
      version: AGENT_VERSION,
      assets: this.pipelines.length,
      disabled: this.config.disabled.length,
      since: new Date(this.startedAtMs).toISOString(),
      operating: this.loop?.operatingStatus() ?? {},
    });
  }

  /** The closing-the-loop services (feedback, quality, baselines), once started. */
  get qualityLoop(): QualityLoop | null {
    return this.loop;
  }

  /** The config running now. */
  get currentConfig(): LoadedConfig {
    return this.config;
  }

  /** Loaded models by folder. */
  loadedModels(): ReadonlyMap<string, LoadedModel> {
    return new Map([...this.models].map(([d, r]) => [d, r.model]));
  }

  /** Live references for health, metrics and the watchdog (src/ops/ops-view.ts). */
  opsView(): AgentOpsView {
    const c = this.config;
    return {
      agentId: c.fleet.agent.id,
      version: AGENT_VERSION,
      startedAtMs: this.startedAtMs,
      pipelines: this.pipelines,
      disabled: c.disabled.length + c.assets.length - this.pipelines.length,
      models: [...this.models.values()],
      mqtt: this.mqtt,
      sources: this.sources,
      sinks: this.sinks,
      consumers: this.consumers,
      discards: this.discards,
      unknownTopic: this.unknownTopic,
    };
  }

  /**
   * Switches to `next` without a restart (plan: src/ops/reload-plan.ts). New and changed models
   * are loaded and checked (hash, contract, warm-up) and new pipelines built before anything
   * changes; the switch is one synchronous step; assets whose profile and model are unchanged keep
   * their pipeline (window and advice state); rows queued for a replaced model drain through its
   * old session. On a failure nothing changes and the reason is returned. Not concurrent with
   * itself or with stop() (the Reloader serialises them).
   */
  async reload(next: LoadedConfig, changedModels: ReadonlySet<string> = new Set()): Promise<ReloadOutcome> {
    const running = new Map(this.pipelines.map((p) => [p.ref.key, assetFingerprint(p.config)]));
    const plan = planReload(this.config, running, new Set(this.models.keys()), next, changedModels);
    // An asset that was disabled before and is unchanged may stay disabled: not a new problem.
    const before = new Map(this.config.assets.map((a) => [a.ref.key, assetFingerprint(a)]));
    const wasDisabled = (a: ResolvedAsset) =>
      !running.has(a.ref.key) && before.get(a.ref.key) === assetFingerprint(a);
    const stillDisabled: string[] = [];
    const staged = new Map<string, ModelRuntime>();
    const refuse = async (reason: string): Promise<ReloadOutcome> => {
      await Promise.all([...staged.values()].map((r) => releaseModel(r.model)));
      return { applied: false, reason };
    };
    for (const dir of plan.loadModels) {
      try {
        staged.set(dir, this.runtimeFor(wedgeableForTest(await loadModel(dir))));
      } catch (err) {
        const users = plan.build.filter((a) => a.modelDir === dir);
        if (users.length > 0 && users.every(wasDisabled)) continue;
        const e = err as Error & { code?: string };
        return refuse(`model ${dir}: ${e.code ?? "error"}: ${e.message}`);
      }
    }
    const built: AssetPipeline[] = [];
    for (const a of plan.build) {
      const runtime =
        staged.get(a.modelDir) ?? (changedModels.has(a.modelDir) ? undefined : this.models.get(a.modelDir));
      const p = runtime === undefined ? null : this.pipelineFor(a, runtime.model);
      if (p instanceof AssetPipeline) built.push(p);
      else if (wasDisabled(a)) stillDisabled.push(a.ref.key);
      else
        return refuse(
          `asset ${a.ref.key}: ${p === null ? "its model could not be loaded" : p.problems.join("; ")}`,
        );
    }

    // The switch: synchronous, so no message or batch sees half of it.
    const keep = new Set(plan.keep);
    const byKey = new Map(this.pipelines.filter((p) => keep.has(p.ref.key)).map((p) => [p.ref.key, p]));
    for (const p of built) byKey.set(p.ref.key, p);
    const retired: ModelRuntime[] = [];
    for (const d of plan.retireModels) {
      const r = this.models.get(d);
      if (r !== undefined) retired.push(r);
      this.models.delete(d);
    }
    for (const [d, r] of staged) this.models.set(d, r);
    const before4subs = new Set(this.subscriptions().map((s) => s.topic));
    this.config = next;
    this.pipelines.length = 0;
    this.byKey.clear();
    this.router = new TopicRouter<AssetPipeline>();
    for (const a of next.assets) {
      const p = byKey.get(a.ref.key);
      if (p === undefined) continue;
      this.pipelines.push(p);
      this.byKey.set(a.ref.key, p);
      this.routeTopic(p);
    }
    for (const r of staged.values()) r.batcher.start();
    this.loop?.setAssets(this.pipelines, next);
    const subs = this.subscriptions();
    const wanted = new Set(subs.map((s) => s.topic));
    this.mqtt?.subscribe(subs.filter((s) => !before4subs.has(s.topic)));
    this.mqtt?.unsubscribe([...before4subs].filter((t) => !wanted.has(t)));

    // Rows queued for replaced models run through their old sessions; then those are released.
    await Promise.all(
      retired.map(async (r) => {
        await r.batcher.stop(5000);
        await releaseModel(r.model);
      }),
    );
    const id = (m: LoadedModel) => `${m.manifest.name}@${m.manifest.version}`;
    return {
      applied: true,
      kept: plan.keep.length,
      built: built.length,
      dropped: plan.drop.length,
      loaded: [...staged.values()].map((r) => id(r.model)),
      released: retired.map((r) => id(r.model)),
      stillDisabled,
      restartNeeded: plan.restartNeeded,
    };
  }

  /** Counters for status, tests and the bench. */
  stats(): Record<string, unknown> {
    return {
      unknownTopic: this.unknownTopic,
      discarded: this.discards?.total ?? 0,
      discardedByReason: this.discards?.byReason() ?? {},
      assets: Object.fromEntries(
        this.pipelines.map((p) => [p.ref.key, { ...p.counters, windower: p.windower.stats }]),
      ),
      models: Object.fromEntries(
        [...this.models].map(([k, m]) => [m.model.manifest.name ?? k, { ...m.batcher.stats }]),
      ),
      mqtt: this.mqtt ? { state: this.mqtt.state, ...this.mqtt.stats } : null,
      sources: this.sources.map((s) => s.status()),
      loop: this.loop?.health() ?? null,
    };
  }

  private async modelRuntime(dir: string): Promise<ModelRuntime | null> {
    const have = this.models.get(dir);
    if (have !== undefined) return have;
    const log = this.log.child({ module: "inference" });
    let model: LoadedModel;
    try {
      model = wedgeableForTest(await loadModel(dir));
    } catch (err) {
      const e = err as Error & { code?: string };
      log.error({ code: e.code, dir, err: e.message }, "model refused: its assets are disabled");
      return null;
    }
    const runtime = this.runtimeFor(model);
    this.models.set(dir, runtime);
    log.info({ model: model.manifest.name, version: model.manifest.version, dir }, "model loaded");
    return runtime;
  }

  /** A batcher for a loaded model (not started, not registered). */
  private runtimeFor(model: LoadedModel): ModelRuntime {
    const log = this.log.child({ module: "inference" });
    const inf = this.opts.config.fleet.inference;
    const histograms = batchHistograms();
    const batcher = new MicroBatcher<RowTag>(
      model,
      { maxBatch: inf.maxBatch, maxWaitMs: inf.maxWaitMs, maxQueue: inf.maxQueue },
      (tags, result) => {
        histograms.latencyS.observe(result.latencyMs / 1000);
        histograms.rows.observe(result.rows);
        this.onBatch(model, tags, result);
      },
      (tag) => this.discards.count(tag.asset.ref.key, "overload", "inference queue full: oldest window shed"),
      (err, tags) => log.error({ err: err.message, rows: tags.length }, "inference failed for a batch"),
    );
    return { model, batcher, histograms };
  }

  /** The asset's pipeline on `model`, or what keeps it from running. */
  private pipelineFor(
    a: ResolvedAsset,
    model: LoadedModel,
  ): AssetPipeline | { module: "inference" | "features"; problems: string[] } {
    const p = a.profile;
    const rate =
      p.windowing.type === "time" ? undefined : p.channels[Object.keys(p.channels)[0]!]?.sampleRateHz;
    const misfit = checkProfileFit(
      model,
      p.model.features,
      p.windowing.type === "time" ? undefined : p.windowing.samples,
      rate,
    );
    if (misfit.length > 0) return { module: "inference", problems: misfit };
    try {
      return new AssetPipeline(a, model, this.config.fleet.topicPrefix, (reason, detail) =>
        this.discards.count(a.ref.key, reason, detail),
      );
    } catch (err) {
      return { module: "features", problems: [(err as Error).message] };
    }
  }

  private routeTopic(p: AssetPipeline): void {
    const t = p.config.profile.transport;
    if (t.type !== "mqtt") return;
    const prefix = this.config.fleet.topicPrefix;
    this.router.add(topicFor(t.topic, prefix, p.ref.site, p.ref.asset), p);
  }

  /** One subscription per topic filter the running pipelines need, at the highest QoS asked. */
  private subscriptions(): Subscription[] {
    const filters = new Map<string, 0 | 1>();
    for (const p of this.pipelines) {
      const t = p.config.profile.transport;
      if (t.type !== "mqtt") continue;
      const f = compilePattern(t.topic, this.config.fleet.topicPrefix).filter;
      filters.set(f, Math.max(filters.get(f) ?? 0, t.qos) as 0 | 1);
    }
    return [...[...filters].map(([topic, qos]) => ({ topic, qos })), ...(this.loop?.subscriptions() ?? [])];
  }

  private onMessage(topic: string, payload: Buffer): void {
    const pipeline = this.router.route(topic);
    if (pipeline === null) {
      if (this.loop?.onMessage(topic, payload)) return;
      this.unknownTopic++;
      return;
    }
    const bad = pipeline.ingest(payload, this.now(), this.emitRow);
    if (bad !== null) this.discards.count(pipeline.ref.key, bad.reason, bad.detail);
  }

  private readonly emitRow = (row: Float32Array, tag: RowTag): void => {
    const m = this.models.get(tag.asset.config.modelDir);
    m?.batcher.enqueue(row, tag);
    for (let i = 0; i < this.sinks.length; i++) {
      this.sinks[i]!.features(tag.asset.pointContext, tag.tsMs, tag.asset.extractor.names, row);
    }
  };

  /** Where serial and Modbus sources deliver. */
  private readonly sourceSink: SourceSink = {
    payload: (assetKey, payload, nowMs) => {
      const p = this.byKey.get(assetKey);
      if (p === undefined) return;
      const bad = p.ingest(payload, nowMs, this.emitRow);
      if (bad !== null) this.discards.count(p.ref.key, bad.reason, bad.detail);
    },
    readings: (assetKey: string, readings: readonly Reading[]) => {
      this.byKey.get(assetKey)?.ingestReadings(readings, this.emitRow);
    },
    discarded: (assetKey, reason, detail) => {
      const p = this.byKey.get(assetKey);
      if (p !== undefined) p.counters.discarded++;
      this.discards.count(assetKey, reason, detail);
    },
  };

  private tickTimeWindows(): void {
    const now = this.now();
    // A grace period: device clocks that run a little behind ours must not close periods early.
    for (const p of this.pipelines)
      if (p.config.profile.windowing.type === "time") p.tick(now - 1000, this.emitRow);
  }

  private onBatch(model: LoadedModel, tags: readonly RowTag[], result: BatchResult): void {
    const now = this.now();
    const rows = () => {
      for (let i = 0; i < tags.length; i++) this.onRow(model, result, i, tags[i]!, now);
    };
    // The batch's predictions leave in one socket write, not one per window.
    if (this.mqtt === null) rows();
    else this.mqtt.corked(rows);
  }

  private onRow(model: LoadedModel, result: BatchResult, i: number, tag: RowTag, now: number): void {
    const a = tag.asset;
    const prediction = predictRow(model, result, i, tag.tsMs, a.valueClasses);
    a.counters.predictions++;
    a.quality.prediction(prediction);
    for (let s = 0; s < this.sinks.length; s++) this.sinks[s]!.prediction(a.pointContext, prediction);
    if (a.config.profile.model.predictions) {
      this.mqtt?.publish(a.predictionTopic, predictionMessage(prediction), 0, false);
    }
    const advice = a.machine.update(prediction, now);
    if (advice !== null) {
      a.counters.adviceChanges++;
      this.mqtt?.publish(a.adviceTopic, adviceMessage(advice), 1, true);
      this.log.info(
        {
          module: "advice",
          site: advice.site,
          asset: advice.asset,
          fault: advice.fault,
          severity: advice.severity,
          confidence: Number(advice.confidence.toFixed(3)),
          transition: advice.transition,
          episode: advice.episodeId,
        },
        advice.transition === "recover"
          ? `${a.ref.key}: back to ${advice.fault}`
          : `${a.ref.key}: ${advice.fault} (${advice.severity}) — ${advice.action}`,
      );
      for (const s of this.sinks) s.advice(a.pointContext, advice);
      for (const c of this.consumers) c.onAdvice(advice, a.config);
      this.loop?.onAdvice(a.quality, advice);
      this.opts.onAdvice?.(advice);
    }
  }
}
