import { dirname } from "node:path";
import type { LoadedConfig } from "./config/load-config.js";
import { loadModel, type LoadedModel, releaseModel, checkProfileFit } from "./inference/load-model.js";
import { MicroBatcher, type BatchResult } from "./inference/micro-batcher.js";
import { predictRow } from "./inference/predict.js";
import { DiscardCounter } from "./ops/discard-counter.js";
import type { Logger } from "./ops/logger.js";
import { AssetPipeline, type RowTag } from "./pipeline/asset-pipeline.js";
import { adviceMessage, predictionMessage } from "./pipeline/messages.js";
import { MqttConnection } from "./sources/mqtt-connection.js";
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
  private readonly models = new Map<string, ModelRuntime>();
  private readonly pipelines: AssetPipeline[] = [];
  private readonly router = new TopicRouter<AssetPipeline>();
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
    const { config } = this.opts;
    const fleet = config.fleet;
    this.startedAtMs = this.now();
    this.discards = new DiscardCounter(this.log.child({ module: "codecs" }));
    for (const i of config.profileIssues) {
      this.log.error({ module: "config", file: i.file, path: i.path }, `profile invalid: ${i.message}`);
    }
    for (const d of config.disabled) {
      this.log.error({ module: "config", asset: d.ref.key, profile: d.profileName }, "asset disabled: its profile is invalid");
    }

    for (const a of config.assets) {
      const runtime = await this.modelRuntime(a.modelDir);
      if (runtime === null) continue;
      const p = a.profile;
      const rate = p.windowing.type === "time" ? undefined : p.channels[Object.keys(p.channels)[0]!]?.sampleRateHz;
      const misfit = checkProfileFit(
        runtime.model,
        p.model.features,
        p.windowing.type === "time" ? undefined : p.windowing.samples,
        rate,
      );
      if (misfit.length > 0) {
        this.log.error({ module: "inference", asset: a.ref.key, problems: misfit }, "asset disabled: model does not fit its profile");
        continue;
      }
      let pipeline: AssetPipeline;
      try {
        pipeline = new AssetPipeline(a, runtime.model, fleet.topicPrefix, (reason, detail) =>
          this.discards.count(a.ref.key, reason, detail),
        );
      } catch (err) {
        this.log.error({ module: "features", asset: a.ref.key, err: (err as Error).message }, "asset disabled");
        continue;
      }
      this.pipelines.push(pipeline);
      this.byKey.set(a.ref.key, pipeline);
      if (p.transport.type === "mqtt") {
        this.router.add(topicFor(p.transport.topic, fleet.topicPrefix, a.ref.site, a.ref.asset), pipeline);
      }
    }

    const mlog = this.log.child({ module: "mqtt" });
    const statusTopic = `${fleet.topicPrefix}/agent/${fleet.agent.id}/status`;
    this.mqtt = new MqttConnection({
      config: fleet.mqtt,
      baseDir: dirname(config.fleetFile),
      clientId: fleet.mqtt.clientId ?? `edge-agent-${fleet.agent.id}`,
      statusTopic,
      statusPayload: () =>
        JSON.stringify({
          state: "online",
          agent: fleet.agent.id,
          version: AGENT_VERSION,
          assets: this.pipelines.length,
          disabled: config.disabled.length,
          since: new Date(this.startedAtMs).toISOString(),
        }),
      log: mlog,
    });
    this.mqtt.onMessage((topic, payload) => this.onMessage(topic, payload));
    const filters = new Map<string, 0 | 1>();
    for (const p of this.pipelines) {
      const t = p.config.profile.transport;
      if (t.type !== "mqtt") continue;
      const f = compilePattern(t.topic, fleet.topicPrefix).filter;
      filters.set(f, Math.max(filters.get(f) ?? 0, t.qos) as 0 | 1);
    }
    this.mqtt.subscribe([...filters].map(([topic, qos]) => ({ topic, qos })));
    for (const m of this.models.values()) m.batcher.start();

    const hasTimeWindows = this.pipelines.some((p) => p.config.profile.windowing.type === "time");
    if (hasTimeWindows) {
      this.timers.push(setInterval(() => this.tickTimeWindows(), 250));
    }
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
    this.mqtt?.onMessage(() => {});
    const left = () => Math.max(100, deadline - this.now());
    await Promise.all(this.sources.map((s) => s.stop(left() / 4)));
    await Promise.all([...this.models.values()].map((m) => m.batcher.stop(left() / 3)));
    await Promise.all(this.consumers.map((c) => c.stop(left() / 2)));
    await Promise.all(this.sinks.map((s) => s.stop(left() / 2)));
    await this.mqtt?.stop(left());
    await Promise.all([...this.models.values()].map((m) => releaseModel(m.model)));
    this.models.clear();
    this.log.info({ module: "agent", discarded: this.discards.byReason() }, "agent stopped");
  }

  /** Counters for status, tests and the bench. */
  stats(): Record<string, unknown> {
    return {
      unknownTopic: this.unknownTopic,
      discarded: this.discards?.total ?? 0,
      discardedByReason: this.discards?.byReason() ?? {},
      assets: Object.fromEntries(this.pipelines.map((p) => [p.ref.key, { ...p.counters, windower: p.windower.stats }])),
      models: Object.fromEntries([...this.models].map(([k, m]) => [m.model.manifest.name ?? k, { ...m.batcher.stats }])),
      mqtt: this.mqtt ? { state: this.mqtt.state, ...this.mqtt.stats } : null,
    };
  }

  private async modelRuntime(dir: string): Promise<ModelRuntime | null> {
    const have = this.models.get(dir);
    if (have !== undefined) return have;
    const log = this.log.child({ module: "inference" });
    let model: LoadedModel;
    try {
      model = await loadModel(dir);
    } catch (err) {
      const e = err as Error & { code?: string };
      log.error({ code: e.code, dir, err: e.message }, "model refused: its assets are disabled");
      return null;
    }
    const inf = this.opts.config.fleet.inference;
    const batcher = new MicroBatcher<RowTag>(
      model,
      { maxBatch: inf.maxBatch, maxWaitMs: inf.maxWaitMs, maxQueue: inf.maxQueue },
      (tags, result) => this.onBatch(model, tags, result),
      (tag) => this.discards.count(tag.asset.ref.key, "overload", "inference queue full: oldest window shed"),
      (err, tags) => log.error({ err: err.message, rows: tags.length }, "inference failed for a batch"),
    );
    const runtime = { model, batcher };
    this.models.set(dir, runtime);
    log.info({ model: model.manifest.name, version: model.manifest.version, dir }, "model loaded");
    return runtime;
  }

  private onMessage(topic: string, payload: Buffer): void {
    const pipeline = this.router.route(topic);
    if (pipeline === null) {
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
    for (const p of this.pipelines) if (p.config.profile.windowing.type === "time") p.tick(now - 1000, this.emitRow);
  }

  private onBatch(model: LoadedModel, tags: readonly RowTag[], result: BatchResult): void {
    const now = this.now();
    for (let i = 0; i < tags.length; i++) {
      const tag = tags[i]!;
      const a = tag.asset;
      const adv = a.config.profile.advice;
      const prediction = predictRow(model, result, i, tag.tsMs, {
        thresholds: adv.thresholds ?? [],
        normalClass: adv.normalClass,
      });
      a.counters.predictions++;
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
        this.opts.onAdvice?.(advice);
      }
    }
  }
}
