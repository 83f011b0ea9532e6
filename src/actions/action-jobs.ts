import { createHash } from "node:crypto";
import type { Advice, AdviceTransition, Severity } from "../types.js";

/** What the outbox holds: tickets to open, update and resolve, and commands to send. */
export type JobKind = "ticket.open" | "ticket.update" | "ticket.resolve" | "command";

/** The advice a job was made from, as stored with the job (a job outlives the process). */
export interface AdviceSnapshot {
  readonly site: string;
  readonly asset: string;
  readonly model: string;
  readonly modelVersion: string;
  readonly fault: string;
  readonly severity: Severity;
  readonly confidence: number;
  readonly action: string;
  readonly transition: AdviceTransition;
  readonly episodeId: string;
  readonly previousFault: string | null;
  readonly previousSeverity: Severity | null;
  readonly changedAtMs: number;
  readonly windowTsMs: number;
}

export interface TicketJobPayload {
  readonly type: "ticket";
  readonly advice: AdviceSnapshot;
  /** The fault the ticket was opened for (the first of its episode). */
  readonly openedFor: string;
}

export interface CommandJobPayload {
  readonly type: "command";
  readonly advice: AdviceSnapshot;
  readonly command: string;
  /** Parameter values from the rule and the command's defaults (a confirmation may change them). */
  readonly params: Readonly<Record<string, number>>;
  readonly mode: "confirm" | "auto";
}

export type JobPayload = TicketJobPayload | CommandJobPayload;

/** A job as planned from an advice, before it is written. */
export interface PlannedJob {
  /** Idempotency key: the same advice always plans the same keys; the outbox stores each once. */
  readonly key: string;
  /** Jobs of one lane are delivered one at a time, in order (a ticket's open, updates, resolve). */
  readonly lane: string;
  readonly kind: JobKind;
  /** Ticket target name or command name. */
  readonly target: string;
  readonly site: string;
  readonly asset: string;
  readonly fault: string;
  readonly episode: string;
  /** Short id of a command (its topics), null for tickets. */
  readonly cmdId: string | null;
  readonly payload: JobPayload;
  /** Commands: not sent after this time (ms). */
  readonly expiresAtMs: number | null;
}

export function snapshot(a: Advice): AdviceSnapshot {
  return {
    site: a.site,
    asset: a.asset,
    model: a.model,
    modelVersion: a.modelVersion,
    fault: a.fault,
    severity: a.severity,
    confidence: Number.isFinite(a.confidence) ? a.confidence : 0,
    action: a.action,
    transition: a.transition,
    episodeId: a.episodeId,
    previousFault: a.previousFault,
    previousSeverity: a.previousSeverity,
    changedAtMs: a.changedAtMs,
    windowTsMs: a.windowTsMs,
  };
}

/** One ticket per episode and target: `site/asset/fault/episode/ticket:target`. */
export function ticketKey(
  site: string,
  asset: string,
  fault: string,
  episode: string,
  target: string,
): string {
  return `${site}/${asset}/${fault}/${episode}/ticket:${target}`;
}

/** A command is sent at most once per episode, fault and name. */
export function commandKey(
  site: string,
  asset: string,
  fault: string,
  episode: string,
  command: string,
): string {
  return `${site}/${asset}/${fault}/${episode}/command:${command}`;
}

/** Short, topic-safe id of a key: `c-` + 16 hex digits of its sha256. */
export function shortId(key: string, prefix = "c-"): string {
  return prefix + createHash("sha256").update(key).digest("hex").slice(0, 16);
}

/**
 * What remote systems store to find an item again: the key itself when it fits `maxLength`
 * (ServiceNow's correlation_id holds 100 characters), otherwise a hash of it.
 */
export function correlationId(key: string, maxLength = 100): string {
  return key.length <= maxLength ? key : `ea:${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;
}

/** A word put into comments and labels so a retry can tell it already wrote them. */
export function marker(key: string): string {
  return shortId(key, "ea-");
}
