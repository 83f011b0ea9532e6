import type { Advice, Prediction } from "../types.js";

/**
 * The MQTT payloads the agent publishes. Predictions are built by concatenation: they go out
 * for every window, so no intermediate object is made.
 */

/** `{"ts": <the input's ts>, "class": "<name>", "p": <probability>}` (+ `"value"` for regressors). */
export function predictionMessage(p: Prediction): string {
  const value = Number.isNaN(p.value) ? "" : `,"value":${p.value}`;
  return `{"ts":${p.tsMs},"class":${JSON.stringify(p.className)},"p":${p.confidence}${value},"model":${JSON.stringify(p.model)}}`;
}

/** The retained advice of an asset. */
export function adviceMessage(a: Advice): string {
  return JSON.stringify({
    class: a.fault,
    severity: a.severity,
    confidence: round(a.confidence),
    action: a.action,
    transition: a.transition,
    episodeId: a.episodeId,
    previous: a.previousFault,
    model: a.model,
    modelVersion: a.modelVersion,
    windowTs: a.windowTsMs,
    changedAt: new Date(a.changedAtMs).toISOString(),
    site: a.site,
    asset: a.asset,
    ...(Number.isNaN(a.value) ? {} : { value: a.value }),
  });
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
