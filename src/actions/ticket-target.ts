import type { JobKind, TicketJobPayload } from "./action-jobs.js";
import type { AdviceSnapshot } from "./action-jobs.js";

/** How a ticket is known on the remote side (ServiceNow sys_id + number, Jira id + key). */
export interface RemoteTicket {
  readonly id: string;
  readonly key: string;
}

/** Everything a target needs for one delivery. */
export interface TicketCall {
  readonly kind: Exclude<JobKind, "command">;
  /** The job's idempotency key (the webhook's Idempotency-Key and event id). */
  readonly jobKey: string;
  /** The ticket's key (one per episode and target). */
  readonly ticketKey: string;
  /** What the remote side stores to find the ticket again (ServiceNow correlation_id, Jira label). */
  readonly correlationId: string;
  /** A word written into this job's comment, so a retry can see it was already written. */
  readonly marker: string;
  /** An earlier attempt may have reached the server: look before writing again. */
  readonly retry: boolean;
  readonly payload: TicketJobPayload;
  readonly text: TicketText;
  /** When the job was written (the event time: stable across retries). */
  readonly createdAtMs: number;
  readonly signal: AbortSignal;
}

export interface TicketText {
  readonly summary: string;
  readonly description: string;
  /** The update's or the resolution's comment. */
  readonly comment: string;
}

/**
 * A maintenance system that holds tickets. Each operation must be safe to repeat: when `retry`
 * is set, it first looks for what an earlier attempt may already have done. Errors are
 * ActionErrors (retryable or not).
 */
export interface TicketTarget {
  readonly name: string;
  readonly type: string;
  open(call: TicketCall): Promise<RemoteTicket>;
  /** Finds the ticket by its correlation id, or null. */
  find(call: TicketCall): Promise<RemoteTicket | null>;
  update(call: TicketCall, remote: RemoteTicket): Promise<void>;
  resolve(call: TicketCall, remote: RemoteTicket): Promise<void>;
}

/** Summary, description and comment of a ticket job, from its advice. */
export function ticketText(kind: TicketCall["kind"], p: TicketJobPayload, ticketKey: string): TicketText {
  const a = p.advice;
  const where = `${a.site}/${a.asset}`;
  const conf = `${Math.round(a.confidence * 100)} %`;
  const summary = `${where}: ${p.openedFor} (${a.severity})`;
  const description = [
    `edge-agent advice for ${where}: ${a.fault}, severity ${a.severity}, confidence ${conf}.`,
    a.action === "" ? "" : `Recommended action: ${a.action}`,
    `Model ${a.model} ${a.modelVersion}; window at ${iso(a.windowTsMs)}; advice changed at ${iso(a.changedAtMs)}.`,
    `Episode ${a.episodeId}; reference ${ticketKey}.`,
  ]
    .filter((l) => l !== "")
    .join("\n");
  let comment: string;
  if (kind === "ticket.resolve") {
    comment = `Recovered: ${where} is back to ${a.fault} (advice changed at ${iso(a.changedAtMs)}). Episode ${a.episodeId} ended.`;
  } else if (kind === "ticket.update") {
    comment = `${updateVerb(a)}: ${where} now ${a.fault} (${a.severity}, confidence ${conf}), was ${a.previousFault ?? "?"} (${a.previousSeverity ?? "?"}) at ${iso(a.changedAtMs)}.${a.action === "" ? "" : ` ${a.action}`}`;
  } else {
    comment = description;
  }
  return { summary, description, comment };
}

function updateVerb(a: AdviceSnapshot): string {
  if (a.transition === "escalate") return "Escalated";
  if (a.transition === "deescalate") return "De-escalated";
  return "Changed";
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : "unknown time";
}
