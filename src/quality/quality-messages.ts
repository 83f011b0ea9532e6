import type { OperatingStatus } from "../advice/gating.js";
import type { Advice } from "../types.js";

/**
 * MQTT payloads of the loop. Quality advice goes on `<prefix>/<site>/<asset>/advice/quality/<condition>`
 * (retained, one topic per condition so that several can be active at once), the baseline's on
 * `<prefix>/<site>/<asset>/advice/baseline` (retained; on the main advice topic when the baseline
 * replaces the classifier), the operating state on `<prefix>/<site>/<asset>/operating` (retained).
 * The main `…/advice` topic keeps its meaning: the fault model's advice.
 */

export function qualityTopic(base: string, condition: string): string {
  return `${base}/advice/quality/${condition}`;
}

/** A quality condition's advice, with what was measured. */
export function qualityAdviceMessage(a: Advice, condition: string, detail: Record<string, unknown>): string {
  return JSON.stringify({
    class: a.fault,
    condition,
    severity: a.severity,
    action: a.action,
    transition: a.transition,
    episodeId: a.episodeId,
    previous: a.previousFault,
    model: a.model,
    windowTs: a.windowTsMs,
    changedAt: new Date(a.changedAtMs).toISOString(),
    site: a.site,
    asset: a.asset,
    detail,
  });
}

export function operatingMessage(site: string, asset: string, s: OperatingStatus): string {
  return JSON.stringify({
    state: s.state,
    reason: s.reason,
    since: Number.isFinite(s.sinceMs) ? new Date(s.sinceMs).toISOString() : null,
    site,
    asset,
  });
}

/** The reply to a feedback message, on `<prefix>/<site>/<asset>/feedback/result` (not retained). */
export function feedbackResultMessage(r: {
  ok: boolean;
  episodeId: string;
  error?: string | undefined;
}): string {
  return JSON.stringify(
    r.ok ? { ok: true, episodeId: r.episodeId } : { ok: false, episodeId: r.episodeId, error: r.error },
  );
}
