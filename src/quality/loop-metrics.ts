import { QUALITY_CONDITIONS } from "./condition-tracker.js";
import type { LoopAsset } from "./quality-loop.js";

/**
 * The loop's figures for `/metrics`, read on scrape from the counters the stages keep anyway.
 * The ops registry turns each family into a prom-client Counter or Gauge (`createMetrics`):
 *
 *   for (const f of loopMetricFamilies()) (f.kind === "counter" ? counter : gauge)(
 *     f.name, f.help, f.labelNames, (v) => f.samples(v.pipelines));
 */

type Labels = Record<string, string>;
type Sample = readonly [Labels, number];

export interface LoopMetricFamily {
  readonly name: string;
  readonly help: string;
  readonly kind: "counter" | "gauge";
  readonly labelNames: string[];
  samples(assets: readonly LoopAsset[]): Sample[];
}

const at = (a: LoopAsset) => ({ site: a.ref.site, asset: a.ref.asset });

export function loopMetricFamilies(): LoopMetricFamily[] {
  return [
    {
      name: "edge_agent_quality_condition_active",
      help: "1 while a data-quality or drift condition is raised for the asset.",
      kind: "gauge",
      labelNames: ["site", "asset", "condition"],
      samples: (assets) =>
        assets.flatMap((a) =>
          QUALITY_CONDITIONS.flatMap((c) => {
            const t = a.quality.trackers[c];
            return t === undefined ? [] : [[{ ...at(a), condition: c }, t.active ? 1 : 0] as Sample];
          }),
        ),
    },
    {
      name: "edge_agent_quality_bad_windows_total",
      help: "Windows (drift: evaluations) that failed a quality check.",
      kind: "counter",
      labelNames: ["site", "asset", "condition"],
      samples: (assets) =>
        assets.flatMap((a) =>
          QUALITY_CONDITIONS.flatMap((c) => {
            const t = a.quality.trackers[c];
            return t === undefined ? [] : [[{ ...at(a), condition: c }, t.counts.bad] as Sample];
          }),
        ),
    },
    {
      name: "edge_agent_drift_psi",
      help: "Population stability index of each watched model feature at the last drift evaluation.",
      kind: "gauge",
      labelNames: ["site", "asset", "feature"],
      samples: (assets) =>
        assets.flatMap((a) => {
          const d = a.quality.drift;
          if (d === null) return [];
          return d.features.flatMap((feature, i) => {
            const v = d.lastPsi[i]!;
            return Number.isNaN(v) ? [] : [[{ ...at(a), feature }, v] as Sample];
          });
        }),
    },
    {
      name: "edge_agent_gated_windows_total",
      help: "Windows kept from the model and the advice because the machine was stopped or in maintenance.",
      kind: "counter",
      labelNames: ["site", "asset", "reason"],
      samples: (assets) =>
        assets.flatMap((a) => [
          [{ ...at(a), reason: "stopped" }, a.quality.gate.counts.stopped] as Sample,
          [{ ...at(a), reason: "maintenance" }, a.quality.gate.counts.maintenance] as Sample,
        ]),
    },
    {
      name: "edge_agent_operating_running",
      help: "1 while the asset counts as running (its running rule and no maintenance).",
      kind: "gauge",
      labelNames: ["site", "asset"],
      samples: (assets) =>
        assets.map((a) => [at(a), a.quality.gate.status.state === "running" ? 1 : 0] as Sample),
    },
    {
      name: "edge_agent_baseline_score",
      help: "The anomaly baseline's last score (robust |z|) of the asset.",
      kind: "gauge",
      labelNames: ["site", "asset"],
      samples: (assets) =>
        assets.flatMap((a) => {
          const s = a.quality.baseline?.detector.lastScore;
          return s === undefined || Number.isNaN(s) ? [] : [[at(a), s] as Sample];
        }),
    },
  ];
}
