import type { Logger } from "pino";
import { nextBackoffMs } from "../sources/backoff.js";
import { ActionError, asActionError } from "./action-error.js";
import { correlationId, marker, type TicketJobPayload } from "./action-jobs.js";
import type { JobRow } from "./outbox-schema.js";
import type { OutboxStore } from "./outbox-store.js";
import type { JobHandler } from "./outbox-worker.js";
import { type RemoteTicket, type TicketCall, type TicketTarget, ticketText } from "./ticket-target.js";

export interface RetryPolicy {
  readonly minMs: number;
  readonly maxMs: number;
  readonly jitter: number;
  /** 0: retry retryable errors until they succeed. */
  readonly maxAttempts: number;
}

export interface TicketDeliveryOptions {
  readonly store: OutboxStore;
  readonly targets: ReadonlyMap<string, TicketTarget>;
  readonly retry: RetryPolicy;
  readonly log: Logger;
  readonly now: () => number;
  readonly random: () => number;
}

export interface TicketStats {
  delivered: number;
  retried: number;
  failed: number;
}

/**
 * Delivers ticket jobs: records the attempt before the request, calls the target (which looks
 * before it writes again when an earlier attempt may have arrived), stores the remote id, and
 * on failure schedules a retry with exponential backoff and jitter (or Retry-After), or fails
 * the job when the error needs a person. Logs a target's trouble once per change of error.
 */
export class TicketDelivery implements JobHandler {
  private readonly opts: TicketDeliveryOptions;
  private readonly lastError = new Map<string, string>();
  readonly stats: TicketStats = { delivered: 0, retried: 0, failed: 0 };

  constructor(opts: TicketDeliveryOptions) {
    this.opts = opts;
  }

  async run(job: JobRow, signal: AbortSignal): Promise<void> {
    const { store, log } = this.opts;
    const n = store.beginAttempt(job.id, this.opts.now());
    try {
      const remote = await this.deliver(job, n > 1, signal);
      const nowMs = this.opts.now();
      store.endAttempt(job.id, n, nowMs, "ok", null);
      store.finish(job.id, "done", nowMs, "ok");
      this.stats.delivered++;
      if (this.lastError.delete(job.target))
        log.info({ target: job.target }, "ticket target reachable again");
      log.info(
        {
          target: job.target,
          kind: job.kind,
          ticket: remote.key,
          site: job.site,
          asset: job.asset,
          episode: job.episode,
          attempts: n,
        },
        `ticket ${job.kind.slice("ticket.".length)} delivered to ${job.target}`,
      );
    } catch (err) {
      this.failed(job, n, asActionError(err));
    }
  }

  private async deliver(job: JobRow, retry: boolean, signal: AbortSignal): Promise<RemoteTicket> {
    const { store } = this.opts;
    const target = this.opts.targets.get(job.target);
    if (target === undefined) {
      throw new ActionError(
        "EA_TICKET_TARGET_UNKNOWN",
        `no ticket target "${job.target}" in the fleet's ticketTargets`,
      );
    }
    if (job.payload.type !== "ticket" || job.kind === "command")
      throw new Error(`not a ticket job: ${job.key}`);
    const payload: TicketJobPayload = job.payload;
    const call: TicketCall = {
      kind: job.kind,
      jobKey: job.key,
      ticketKey: job.lane,
      correlationId: correlationId(job.lane),
      marker: marker(job.key),
      retry,
      payload,
      text: ticketText(job.kind, payload, job.lane),
      createdAtMs: job.createdAtMs,
      signal,
    };
    const row = store.ticket(job.lane);
    let remote: RemoteTicket | null = row?.remoteId
      ? { id: row.remoteId, key: row.remoteKey ?? row.remoteId }
      : null;
    if (job.kind === "ticket.open") {
      remote ??= await target.open(call);
      store.setTicketRemote(job.lane, remote.id, remote.key, "open", this.opts.now());
      return remote;
    }
    if (remote === null) {
      remote = await target.find(call);
      if (remote === null) {
        throw new ActionError(
          "EA_TICKET_NOT_FOUND",
          `${target.name}: expected a ticket for ${job.lane}, found none (was it opened?)`,
        );
      }
      store.setTicketRemote(job.lane, remote.id, remote.key, "open", this.opts.now());
    }
    if (job.kind === "ticket.update") {
      await target.update(call, remote);
    } else {
      await target.resolve(call, remote);
      store.setTicketRemote(job.lane, remote.id, remote.key, "resolved", this.opts.now());
    }
    return remote;
  }

  private failed(job: JobRow, n: number, e: ActionError): void {
    const { store, log, retry } = this.opts;
    const nowMs = this.opts.now();
    const detail = `${e.code}: ${e.message}`;
    try {
      store.endAttempt(job.id, n, nowMs, e.code, e.message);
      const fields = {
        target: job.target,
        kind: job.kind,
        site: job.site,
        asset: job.asset,
        code: e.code,
        attempts: n,
      };
      if (e.retryable && (retry.maxAttempts === 0 || n < retry.maxAttempts)) {
        const delay = Math.min(
          retry.maxMs,
          Math.max(nextBackoffMs(n, retry, this.opts.random), e.retryAfterMs ?? 0),
        );
        store.retryAt(job.id, nowMs + delay, detail);
        this.stats.retried++;
        if (this.lastError.get(job.target) !== e.code) {
          this.lastError.set(job.target, e.code);
          log.warn(
            { ...fields, err: e.message, retryInMs: delay },
            `ticket target ${job.target} failed; retrying with backoff`,
          );
        }
        return;
      }
      store.finish(job.id, "failed", nowMs, e.code, detail);
      this.stats.failed++;
      log.error(
        { ...fields, err: e.message },
        `ticket ${job.kind.slice("ticket.".length)} on ${job.target} failed: a person is needed`,
      );
    } catch (err) {
      log.error(
        { job: job.key, err: (err as Error).message },
        "could not record a ticket attempt (the job is retried at the next start)",
      );
    }
  }
}
