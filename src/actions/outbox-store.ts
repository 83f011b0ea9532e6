import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { ActionError } from "./action-error.js";
import type { PlannedJob } from "./action-jobs.js";
import type { EpisodeTicket } from "./action-rules.js";
import { type OutboxQueries, prepareQueries } from "./outbox-queries.js";
import {
  type FinalState,
  type AttemptRow,
  type JobRow,
  type JobState,
  type OpenState,
  SCHEMA_SQL,
  SCHEMA_VERSION,
  type TicketRow,
  toJobRow,
  toTicketRow,
} from "./outbox-schema.js";

export interface OutboxLimits {
  readonly maxJobs: number;
  readonly maxBytes: number;
  /** How long opening waits for a lock held by another process (a crashed one's goes at once). */
  readonly busyTimeoutMs?: number;
}

export interface OutboxCounts {
  readonly jobs: number;
  readonly active: number;
  readonly bytes: number;
}

/** Attempt records kept per job (the newest). */
const KEEP_ATTEMPTS = 50;

/**
 * The durable outbox: a SQLite file in WAL mode with `synchronous=FULL`, so a job written
 * before `insert` returns survives a crash, kill -9 or power loss. The file is locked
 * exclusively: a second agent on the same file is refused. All calls are synchronous.
 */
export class OutboxStore {
  private readonly db: Database.Database;
  private readonly limits: OutboxLimits;
  private readonly pageSize: number;
  private readonly q: OutboxQueries;

  private constructor(db: Database.Database, limits: OutboxLimits) {
    this.db = db;
    this.limits = limits;
    this.pageSize = db.pragma("page_size", { simple: true }) as number;
    db.pragma(`max_page_count = ${Math.max(64, Math.ceil(limits.maxBytes / this.pageSize))}`);
    this.q = prepareQueries(db);
  }

  /** Opens (creating) the file; throws EA_OUTBOX_OPEN when it cannot be used. */
  static open(file: string, limits: OutboxLimits): OutboxStore {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(file), { recursive: true });
      db = new Database(file, { timeout: limits.busyTimeoutMs ?? 5000 });
      db.pragma("locking_mode = EXCLUSIVE");
      const mode = db.pragma("journal_mode = WAL", { simple: true });
      if (mode !== "wal") throw new Error(`journal_mode is ${String(mode)}, expected wal`);
      db.pragma("synchronous = FULL");
      db.pragma("journal_size_limit = 4194304");
      const version = db.pragma("user_version", { simple: true }) as number;
      if (version > SCHEMA_VERSION)
        throw new Error(`schema version ${version} is newer than this agent's ${SCHEMA_VERSION}`);
      db.exec("BEGIN IMMEDIATE"); // takes the exclusive lock now: a second agent fails here
      db.exec(SCHEMA_SQL);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      db.exec("COMMIT");
      return new OutboxStore(db, limits);
    } catch (err) {
      db?.close();
      const e = err as Error & { code?: string };
      const why =
        e.code === "SQLITE_BUSY" ? "locked by another process (is a second agent running?)" : e.message;
      throw new ActionError("EA_OUTBOX_OPEN", `cannot open the outbox ${file}: ${why}`);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Writes planned jobs in one transaction; a key already present is left as it is. Returns the
   * jobs that were new. Throws EA_OUTBOX_FULL (writing nothing) when there is no room even after
   * pruning finished jobs.
   */
  insert(jobs: readonly PlannedJob[], nowMs: number): PlannedJob[] {
    const run = this.db.transaction((): PlannedJob[] => {
      const fresh = jobs.filter((j) => this.q.keyExists.get(j.key) === undefined);
      if (fresh.length === 0) return [];
      this.makeRoom(fresh.length);
      for (const j of fresh) {
        this.q.insertJob.run({
          key: j.key,
          lane: j.lane,
          kind: j.kind,
          target: j.target,
          site: j.site,
          asset: j.asset,
          fault: j.fault,
          episode: j.episode,
          cmd_id: j.cmdId,
          payload: JSON.stringify(j.payload),
          created_at: nowMs,
          due_at: nowMs,
          expires_at: j.expiresAtMs,
        });
        if (j.kind === "ticket.open" && j.payload.type === "ticket") {
          this.q.insertTicket.run(j.lane, j.target, j.site, j.asset, j.episode, j.payload.openedFor, nowMs);
        }
      }
      return fresh;
    });
    try {
      return run.immediate();
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_FULL") {
        throw new ActionError(
          "EA_OUTBOX_FULL",
          `the outbox file reached its limit of ${this.limits.maxBytes} bytes`,
        );
      }
      throw err;
    }
  }

  private makeRoom(n: number): void {
    const over = () => {
      const c = this.counts();
      return c.jobs + n > this.limits.maxJobs || c.bytes > this.limits.maxBytes * 0.9;
    };
    if (!over()) return;
    const excess = this.counts().jobs + n - this.limits.maxJobs;
    this.q.pruneOldestFinished.run(Math.max(excess, Math.ceil(this.limits.maxJobs / 10)));
    this.q.pruneAttempts.run();
    if (over()) {
      const c = this.counts();
      throw new ActionError(
        "EA_OUTBOX_FULL",
        `the outbox is full: ${c.active} jobs waiting, ${c.jobs} of at most ${this.limits.maxJobs} jobs, ${c.bytes} of ${this.limits.maxBytes} bytes`,
      );
    }
  }

  episodeTickets(site: string, asset: string, episode: string): EpisodeTicket[] {
    return (this.q.episodeTickets.all(site, asset, episode) as Record<string, unknown>[]).map((r) => ({
      target: r.target as string,
      ticketKey: r.ticket_key as string,
      openedFor: r.opened_for as string,
    }));
  }

  ticket(ticketKey: string): TicketRow | null {
    const r = this.q.ticket.get(ticketKey) as Record<string, unknown> | undefined;
    return r === undefined ? null : toTicketRow(r);
  }

  setTicketRemote(
    ticketKey: string,
    remoteId: string,
    remoteKey: string,
    state: TicketRow["state"],
    nowMs: number,
  ): void {
    this.q.setTicket.run(remoteId, remoteKey, state, nowMs, ticketKey);
  }

  job(id: number): JobRow | null {
    const r = this.q.job.get(id) as Record<string, unknown> | undefined;
    return r === undefined ? null : toJobRow(r);
  }

  byKey(key: string): JobRow | null {
    const r = this.q.byKey.get(key) as Record<string, unknown> | undefined;
    return r === undefined ? null : toJobRow(r);
  }

  byCmdId(cmdId: string): JobRow | null {
    const r = this.q.byCmdId.get(cmdId) as Record<string, unknown> | undefined;
    return r === undefined ? null : toJobRow(r);
  }

  /** Jobs ready to work on: the head of their lane, pending or confirmed, due by `nowMs`. */
  due(nowMs: number, limit: number): JobRow[] {
    return (this.q.due.all(nowMs, limit) as Record<string, unknown>[]).map(toJobRow);
  }

  /** Jobs in a given state (all of them: used at start and for expiry). */
  inState(state: JobState): JobRow[] {
    return (this.q.inState.all(state) as Record<string, unknown>[]).map(toJobRow);
  }

  /** The earliest time something is due: a delivery, a deadline or an expiry; null when idle. */
  nextWakeAtMs(): number | null {
    const r = this.q.nextWake.get() as { t: number | null } | undefined;
    return r?.t ?? null;
  }

  /**
   * Marks a delivery attempt as started (committed before anything leaves); returns its number.
   * `markSent` records the time as a send (commands: it counts for the rate limit from now on,
   * whatever happens next).
   */
  beginAttempt(id: number, nowMs: number, markSent = false): number {
    return this.db
      .transaction(() => {
        this.q.beginAttempt.run(markSent ? nowMs : null, id);
        const n = (this.q.job.get(id) as { attempts: number }).attempts;
        this.q.insertAttempt.run(id, n, nowMs);
        this.q.trimAttempts.run(id, n - KEEP_ATTEMPTS);
        return n;
      })
      .immediate();
  }

  /** The recorded attempts of a job (the newest 50), oldest first. */
  attempts(id: number): AttemptRow[] {
    return (this.q.attempts.all(id) as Record<string, unknown>[]).map((r) => ({
      n: r.n as number,
      startedAtMs: r.started_at as number,
      endedAtMs: (r.ended_at as number | null) ?? null,
      outcome: (r.outcome as string | null) ?? null,
      detail: (r.detail as string | null) ?? null,
    }));
  }

  endAttempt(id: number, n: number, nowMs: number, outcome: string, detail: string | null): void {
    this.q.endAttempt.run(nowMs, outcome, detail, id, n);
  }

  /** Back to pending, due again at `dueAtMs`. */
  retryAt(id: number, dueAtMs: number, error: string): void {
    this.q.retry.run(dueAtMs, error, id);
  }

  /**
   * After a stop or crash: ticket deliveries that were in flight become due again (their
   * target looks before it writes, as for any retry); commands that were in flight become
   * `unknown`, never sent again. Returns the jobs found, as they were.
   */
  recoverInterrupted(nowMs: number): JobRow[] {
    return this.db
      .transaction(() => {
        const found = this.inState("sending");
        for (const job of found) {
          if (job.kind === "command") {
            this.finish(
              job.id,
              "unknown",
              nowMs,
              "EA_COMMAND_OUTCOME_UNKNOWN",
              "the agent stopped while sending it: it may or may not have gone out",
            );
          } else {
            this.retryAt(job.id, nowMs, "interrupted: the agent stopped during delivery");
          }
        }
        return found;
      })
      .immediate();
  }

  /** Due again at `dueAtMs`, in the same state (a command waiting for the broker). */
  postpone(id: number, dueAtMs: number): void {
    this.q.postpone.run(dueAtMs, id);
  }

  /**
   * Commands whose time is up at `nowMs`: not sent by their expiry, not confirmed by their
   * deadline, or not acknowledged by theirs.
   */
  overdue(nowMs: number): JobRow[] {
    return (this.q.overdue.all(nowMs, nowMs) as Record<string, unknown>[]).map(toJobRow);
  }

  /** Sets a non-final state with the fields it comes with. */
  transition(
    id: number,
    state: OpenState,
    f: {
      deadlineAtMs?: number | null;
      sentAtMs?: number;
      confirmedBy?: string;
      params?: Record<string, number>;
    } = {},
  ): void {
    this.q.transition.run({
      id,
      state,
      deadline_at: f.deadlineAtMs ?? null,
      sent_at: f.sentAtMs ?? null,
      confirmed_by: f.confirmedBy ?? null,
      params: f.params === undefined ? null : JSON.stringify(f.params),
    });
  }

  /** A final state: the job is finished and leaves its lane. */
  finish(id: number, state: FinalState, nowMs: number, outcome: string, error: string | null = null): void {
    this.q.finish.run(state, nowMs, outcome, error, id);
  }

  /** Sends of a command to an asset since `sinceMs` (anything that may have gone out). */
  sentSince(command: string, site: string, asset: string, sinceMs: number): number {
    return (this.q.sentSince.get(command, site, asset, sinceMs) as { n: number }).n;
  }

  /** Deletes finished jobs older than `beforeMs`, their attempts, and closed tickets no job refers to. */
  prune(beforeMs: number): number {
    return this.db
      .transaction(() => {
        const n = this.q.pruneFinished.run(beforeMs).changes;
        if (n > 0) {
          this.q.pruneAttempts.run();
          this.q.pruneTickets.run();
        }
        return n;
      })
      .immediate();
  }

  /** When the oldest job not finished yet was written (ms), or null when there is none. */
  oldestActiveAtMs(): number | null {
    const r = this.q.oldestActive.get() as { t: number | null } | undefined;
    return r?.t ?? null;
  }

  counts(): OutboxCounts {
    const c = this.q.counts.get() as { jobs: number; active: number };
    const pages = this.db.pragma("page_count", { simple: true }) as number;
    const free = this.db.pragma("freelist_count", { simple: true }) as number;
    return { jobs: c.jobs, active: c.active ?? 0, bytes: (pages - free) * this.pageSize };
  }
}
