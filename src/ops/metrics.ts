import { loopMetricFamilies } from "../quality/loop-metrics.js";
import { Counter, Gauge, type Metric, Registry } from "prom-client";
import type { FixedHistogram } from "./fixed-histogram.js";
import type { Liveness } from "./liveness.js";
import { type AgentOpsView, type OpsStats, opsStatsOf } from "./ops-view.js";

/**
 * `/metrics` in Prometheus text format: one registry per agent (never prom-client's global one),
 * every value collected on scrape from counters the stages keep anyway, so a scrape costs the
 * scrape and the hot path nothing. Names: `edge_agent_…`; counters end in `_total`.
 */

export interface MetricsExtras {
  readonly liveness: () => Liveness;
  readonly reloads: () => { readonly applied: number; readonly refused: number };
}

type Labels = Record<string, string>;
type Sample = readonly [Labels, number];

export function createMetrics(view: () => AgentOpsView, extras: MetricsExtras): Registry {
  const registry = new Registry();
  const counter = (
    name: string,
    help: string,
    labelNames: string[],
    samples: (v: AgentOpsView) => Iterable<Sample>,
  ) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [l, n] of samples(view())) this.inc(l, n);
      },
    });
  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    samples: (v: AgentOpsView) => Iterable<Sample>,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [l, n] of samples(view())) this.set(l, n);
      },
    });

  const perAsset =
    (pick: (c: AgentOpsView["pipelines"][number]["counters"]) => number) => (v: AgentOpsView) =>
      v.pipelines.map((p): Sample => [{ site: p.ref.site, asset: p.ref.asset }, pick(p.counters)]);

  gauge("edge_agent_info", "The agent's id and version (always 1).", ["agent", "version"], (v) => [
    [{ agent: v.agentId, version: v.version }, 1],
  ]);
  gauge("edge_agent_start_time_seconds", "When the agent started (Unix time).", [], (v) => [
    [{}, v.startedAtMs / 1000],
  ]);
  gauge(
    "edge_agent_alive",
    "1 while the pipeline is alive (what the systemd watchdog is fed on).",
    [],
    () => [[{}, extras.liveness().alive ? 1 : 0]],
  );
  gauge("edge_agent_assets", "Assets running and disabled.", ["state"], (v) => [
    [{ state: "running" }, v.pipelines.length],
    [{ state: "disabled" }, v.disabled],
  ]);
  counter("edge_agent_messages_total", "Payloads received, per source (transport).", ["source"], (v) => {
    const by = new Map<string, number>();
    for (const p of v.pipelines) {
      const t = p.config.profile.transport.type;
      by.set(t, (by.get(t) ?? 0) + p.counters.messages);
    }
    if (v.mqtt !== null) by.set("mqtt", (by.get("mqtt") ?? 0) + v.unknownTopic);
    return [...by].map(([source, n]): Sample => [{ source }, n]);
  });
  counter("edge_agent_unrouted_messages_total", "MQTT messages on a topic of no asset.", [], (v) => [
    [{}, v.unknownTopic],
  ]);
  counter(
    "edge_agent_asset_messages_total",
    "Payloads received per asset.",
    ["site", "asset"],
    perAsset((c) => c.messages),
  );
  counter(
    "edge_agent_windows_total",
    "Windows cut per asset.",
    ["site", "asset"],
    perAsset((c) => c.windows),
  );
  counter(
    "edge_agent_predictions_total",
    "Predictions per asset.",
    ["site", "asset"],
    perAsset((c) => c.predictions),
  );
  counter(
    "edge_agent_advice_changes_total",
    "Advice changes per asset.",
    ["site", "asset"],
    perAsset((c) => c.adviceChanges),
  );
  counter(
    "edge_agent_discards_total",
    "Payloads and windows discarded, per asset and reason.",
    ["site", "asset", "reason"],
    (v) => {
      const out: Sample[] = [];
      for (const [key, reasons] of Object.entries(v.discards?.snapshot() ?? {})) {
        const cut = key.indexOf("/");
        const site = cut < 0 ? "" : key.slice(0, cut);
        const asset = cut < 0 ? key : key.slice(cut + 1);
        for (const [reason, n] of Object.entries(reasons)) out.push([{ site, asset, reason }, n]);
      }
      return out;
    },
  );

  const perModel = (pick: (m: AgentOpsView["models"][number]) => number) => (v: AgentOpsView) =>
    v.models.map(
      (m): Sample => [{ model: m.model.manifest.name, version: m.model.manifest.version }, pick(m)],
    );
  counter(
    "edge_agent_inference_batches_total",
    "Batches run per model.",
    ["model", "version"],
    perModel((m) => m.batcher.stats.batches),
  );
  counter(
    "edge_agent_inference_rows_total",
    "Rows (windows) inferred per model.",
    ["model", "version"],
    perModel((m) => m.batcher.stats.rows),
  );
  counter(
    "edge_agent_inference_errors_total",
    "Failed batches per model.",
    ["model", "version"],
    perModel((m) => m.batcher.stats.errors),
  );
  counter(
    "edge_agent_inference_shed_total",
    "Windows shed because the model's queue was full.",
    ["model", "version"],
    perModel((m) => m.batcher.stats.shed),
  );
  gauge(
    "edge_agent_inference_queue_rows",
    "Windows waiting for inference per model.",
    ["model", "version"],
    perModel((m) => m.batcher.queued),
  );
  histogram(
    registry,
    "edge_agent_inference_latency_seconds",
    "Time of one session.run (one batch).",
    view,
    (m) => m.histograms.latencyS,
  );
  histogram(
    registry,
    "edge_agent_inference_batch_rows",
    "Rows per inference batch.",
    view,
    (m) => m.histograms.rows,
  );

  const mqtt = (pick: (s: NonNullable<AgentOpsView["mqtt"]>) => number) => (v: AgentOpsView) =>
    v.mqtt === null ? [] : [[{}, pick(v.mqtt)] as Sample];
  gauge(
    "edge_agent_mqtt_connected",
    "1 while connected to the broker.",
    [],
    mqtt((m) => (m.state === "connected" ? 1 : 0)),
  );
  counter(
    "edge_agent_mqtt_reconnects_total",
    "Reconnections after a lost connection.",
    [],
    mqtt((m) => m.stats.reconnects),
  );
  counter(
    "edge_agent_mqtt_connection_attempts_total",
    "Connection attempts (first and retries).",
    [],
    mqtt((m) => m.stats.attempts),
  );
  counter(
    "edge_agent_mqtt_subscribe_errors_total",
    "Subscriptions refused by the broker.",
    [],
    mqtt((m) => m.stats.subscribeErrors),
  );

  gauge("edge_agent_source_connected", "1 while a serial or Modbus source has its device.", ["source"], (v) =>
    v.sources.map((s): Sample => [{ source: s.name }, s.status().connected ? 1 : 0]),
  );
  gauge("edge_agent_sink_ok", "1 while a telemetry sink is healthy.", ["sink"], (v) =>
    v.sinks.map((s): Sample => [{ sink: s.name }, s.health().ok ? 1 : 0]),
  );
  const stat = (pick: (s: OpsStats) => number | undefined) => (v: AgentOpsView) => {
    const out: Sample[] = [];
    for (const c of [...v.sinks, ...v.consumers]) {
      const value = pick(opsStatsOf(c) ?? {});
      if (value !== undefined) out.push([{ component: c.name }, value]);
    }
    return out;
  };
  gauge(
    "edge_agent_outbox_jobs",
    "Jobs waiting in the outbox.",
    ["component"],
    stat((s) => s.outboxDepth),
  );
  gauge(
    "edge_agent_outbox_oldest_age_seconds",
    "Age of the oldest waiting job.",
    ["component"],
    stat((s) => s.outboxOldestAgeS),
  );
  gauge(
    "edge_agent_spool_bytes",
    "Bytes held in a store-and-forward spool.",
    ["component"],
    stat((s) => s.spoolBytes),
  );
  gauge(
    "edge_agent_spool_points",
    "Points held in a store-and-forward spool.",
    ["component"],
    stat((s) => s.spoolPoints),
  );
  gauge(
    "edge_agent_spool_oldest_age_seconds",
    "Age of the oldest spooled point.",
    ["component"],
    stat((s) => s.spoolOldestAgeS),
  );
  counter("edge_agent_reloads_total", "Reloads applied and refused.", ["result"], () => {
    const r = extras.reloads();
    return [
      [{ result: "applied" }, r.applied],
      [{ result: "refused" }, r.refused],
    ];
  });
  // Data quality, drift, baselines and feedback (the quality loop), per asset.
  for (const f of loopMetricFamilies()) {
    (f.kind === "counter" ? counter : gauge)(f.name, f.help, f.labelNames, (v) => f.samples(v.pipelines));
  }
  return registry;
}

/** A prom-client metric rendered from the per-model FixedHistograms on scrape. */
function histogram(
  registry: Registry,
  name: string,
  help: string,
  view: () => AgentOpsView,
  pick: (m: AgentOpsView["models"][number]) => FixedHistogram,
): void {
  const metric = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    async get() {
      const values: { labels: Labels; value: number; metricName: string }[] = [];
      for (const m of view().models) {
        const h = pick(m);
        const base = { model: m.model.manifest.name, version: m.model.manifest.version };
        const cum = h.cumulative();
        h.bounds.forEach((le, i) => {
          values.push({ labels: { ...base, le: String(le) }, value: cum[i]!, metricName: `${name}_bucket` });
        });
        values.push({ labels: { ...base, le: "+Inf" }, value: h.count, metricName: `${name}_bucket` });
        values.push({ labels: base, value: h.sum, metricName: `${name}_sum` });
        values.push({ labels: base, value: h.count, metricName: `${name}_count` });
      }
      return { name, help, type: "histogram", aggregator: "sum", values };
    },
  };
  registry.registerMetric(metric as unknown as Metric<string>);
}
