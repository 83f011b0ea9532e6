import { type Advice, type Prediction, severityRank } from "../types.js";
import { escapeMeasurement, FieldWriter, formatLine, formatTags } from "./line-protocol.js";
import type { PointContext } from "./telemetry-sink.js";

/** Measurement names: one per kind of point. */
export const MEASUREMENTS = {
  features: "features",
  predictions: "predictions",
  advice: "advice",
  agent: "edge_agent",
} as const;
export type Measurement = (typeof MEASUREMENTS)[keyof typeof MEASUREMENTS];

/** The tags every point of an asset carries: few distinct values, never a per-window one. */
export function contextTags(ctx: PointContext): Record<string, string> {
  return {
    site: ctx.asset.site,
    asset: ctx.asset.asset,
    profile: ctx.profile,
    model: ctx.model,
    model_version: ctx.modelVersion,
  };
}

/**
 * Turns pipeline values into line-protocol lines. The `measurement,tags` prefix of an asset is
 * built once per PointContext (the pipeline keeps one object per asset) and reused.
 */
export class TelemetryLines {
  private readonly prefixes = new Map<string, WeakMap<PointContext, string>>();
  private readonly fields = new FieldWriter();

  /** One line per window: a float field per feature. Null when no value is finite. */
  features(ctx: PointContext, tsMs: number, names: readonly string[], values: Float32Array): string | null {
    const f = this.fields;
    const n = Math.min(names.length, values.length);
    for (let i = 0; i < n; i++) f.float32(names[i]!, values[i]!);
    return this.line(MEASUREMENTS.features, ctx, f.build(), tsMs);
  }

  /** `class` (string), `class_index` (integer), `confidence`, and `value` for regressors. */
  prediction(ctx: PointContext, p: Prediction): string | null {
    const f = this.fields
      .string("class", p.className)
      .int("class_index", p.classIndex)
      .number("confidence", p.confidence)
      .number("value", p.value);
    return this.line(MEASUREMENTS.predictions, ctx, f.build(), p.tsMs);
  }

  /** An advice change at the time of the window that made it. */
  advice(ctx: PointContext, a: Advice): string | null {
    const f = this.fields
      .string("fault", a.fault)
      .string("severity", a.severity)
      .int("severity_rank", severityRank(a.severity))
      .number("confidence", a.confidence)
      .string("transition", a.transition)
      .string("episode_id", a.episodeId)
      .string("action", a.action)
      .string("previous_fault", a.previousFault)
      .int("changed_at_ms", a.changedAtMs)
      .number("value", a.value);
    return this.line(MEASUREMENTS.advice, ctx, f.build(), a.windowTsMs);
  }

  /** The agent's own counters and gauges, tagged with the agent id. */
  agent(agentId: string, tsMs: number, values: Readonly<Record<string, number>>): string | null {
    const f = this.fields;
    for (const [k, v] of Object.entries(values)) f.float(k, v);
    const fields = f.build();
    if (fields === "") return null;
    return formatLine(`${MEASUREMENTS.agent}${formatTags({ agent: agentId })}`, fields, tsMs);
  }

  private line(measurement: string, ctx: PointContext, fields: string, tsMs: number): string | null {
    if (fields === "" || !Number.isFinite(tsMs)) return null;
    let byCtx = this.prefixes.get(measurement);
    if (byCtx === undefined) {
      byCtx = new WeakMap();
      this.prefixes.set(measurement, byCtx);
    }
    let prefix = byCtx.get(ctx);
    if (prefix === undefined) {
      prefix = escapeMeasurement(measurement) + formatTags(contextTags(ctx));
      byCtx.set(ctx, prefix);
    }
    return formatLine(prefix, fields, tsMs);
  }
}
