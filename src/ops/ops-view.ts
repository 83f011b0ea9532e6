import type { AdviceConsumer } from "../actions/advice-consumer.js";
import type { LoadedModel } from "../inference/load-model.js";
import type { MicroBatcherStats } from "../inference/micro-batcher.js";
import type { AssetPipeline } from "../pipeline/asset-pipeline.js";
import type { TelemetrySink } from "../sinks/telemetry-sink.js";
import type { MqttConnection } from "../sources/mqtt-connection.js";
import type { Source } from "../sources/source.js";
import type { DiscardCounter } from "./discard-counter.js";
import type { BatchHistograms } from "./fixed-histogram.js";
import type { LivenessSnapshot } from "./liveness.js";

/**
 * What health, metrics and the watchdog read from the running agent: live references to the
 * counters the stages keep anyway, read when asked (a scrape, a watchdog tick), never copied on
 * the hot path. `Agent.opsView()` returns it.
 */

export interface ModelOps {
  readonly model: LoadedModel;
  readonly batcher: {
    readonly queued: number;
    readonly inFlight: boolean;
    readonly stats: Readonly<MicroBatcherStats>;
  };
  readonly histograms: BatchHistograms;
}

export interface AgentOpsView {
  readonly agentId: string;
  readonly version: string;
  readonly startedAtMs: number;
  readonly pipelines: readonly AssetPipeline[];
  /** Assets left out because their profile or model is not usable. */
  readonly disabled: number;
  readonly models: readonly ModelOps[];
  readonly mqtt: MqttConnection | null;
  readonly sources: readonly Source[];
  readonly sinks: readonly TelemetrySink[];
  readonly consumers: readonly AdviceConsumer[];
  readonly discards: DiscardCounter | undefined;
  readonly unknownTopic: number;
}

/**
 * Figures a sink or consumer may report (the outbox, the spool) by implementing
 * `opsStats(): OpsStats`; each present field becomes a gauge with the component's name.
 */
export interface OpsStats {
  /** Jobs in the outbox not yet delivered, and the age of the oldest. */
  readonly outboxDepth?: number;
  readonly outboxOldestAgeS?: number;
  /** Bytes and points held in a store-and-forward spool, and the age of the oldest. */
  readonly spoolBytes?: number;
  readonly spoolPoints?: number;
  readonly spoolOldestAgeS?: number;
}

/** A component's own health, when it has one (sinks always; sources by status; consumers may). */
export interface HasHealth {
  health(): { readonly ok: boolean; readonly detail: string };
}

export function opsStatsOf(x: object): OpsStats | null {
  const f = (x as { opsStats?: unknown }).opsStats;
  if (typeof f !== "function") return null;
  try {
    return f.call(x) as OpsStats;
  } catch {
    return null;
  }
}

export function healthOf(x: object): HasHealth["health"] | null {
  const f = (x as { health?: unknown }).health;
  return typeof f === "function" ? () => f.call(x) as ReturnType<HasHealth["health"]> : null;
}

/** The watchdog's input, from the view. */
export function livenessSnapshot(view: AgentOpsView, nowMs: number): LivenessSnapshot {
  return {
    nowMs,
    models: view.models.map((m) => {
      const s = m.batcher.stats;
      return {
        key: m.model.dir,
        name: m.model.manifest.name,
        waiting: m.batcher.queued + (m.batcher.inFlight ? 1 : 0),
        // Shed rows are not progress: a wedged model with input coming sheds all the time.
        done: s.batches + s.errors,
      };
    }),
    mqtt:
      view.mqtt === null || view.mqtt.state === "stopped"
        ? null
        : { connected: view.mqtt.state === "connected", attempts: view.mqtt.stats.attempts },
  };
}
