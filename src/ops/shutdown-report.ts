import { type AgentOpsView, opsStatsOf } from "./ops-view.js";

/**
 * What a stop leaves for the next start, for the last log line: jobs still in an outbox, points
 * still in a spool (both on disk), and whether the broker keeps the messages that arrived after
 * input was held (persistent session). Partial windows are not kept: they start afresh.
 */
export function leftForNextStart(
  view: AgentOpsView,
  inputHeld: boolean,
  shedAtStop: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    brokerKeepsNewMessages: inputHeld,
    windowsShedAtStop: shedAtStop,
  };
  for (const c of [...view.sinks, ...view.consumers]) {
    const s = opsStatsOf(c);
    if (s === null) continue;
    if (s.outboxDepth !== undefined) out[`${c.name}Jobs`] = s.outboxDepth;
    if (s.spoolPoints !== undefined) out[`${c.name}SpooledPoints`] = s.spoolPoints;
  }
  return out;
}

/** Windows shed by the models' queues so far (a stop that ran out of time sheds what was left). */
export function shedTotal(view: AgentOpsView): number {
  let n = 0;
  for (const m of view.models) n += m.batcher.stats.shed;
  return n;
}
