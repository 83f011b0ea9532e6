import type { JobKind, JobPayload } from "./action-jobs.js";

/**
 * The outbox's tables. `jobs` holds every action with its idempotency key (unique), its lane
 * (jobs of a lane are delivered in order, one at a time), its state and its timings;
 * `attempts` records each delivery attempt and its outcome; `tickets` holds the remote id of
 * every ticket opened, so a retry or a restart updates it instead of opening a second.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS jobs (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  key         TEXT NOT NULL UNIQUE,
  lane        TEXT NOT NULL,
  kind        TEXT NOT NULL,
  target      TEXT NOT NULL,
  site        TEXT NOT NULL,
  asset       TEXT NOT NULL,
  fault       TEXT NOT NULL,
  episode     TEXT NOT NULL,
  cmd_id      TEXT UNIQUE,
  payload     TEXT NOT NULL,
  state       TEXT NOT NULL,
  active      INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL,
  due_at      INTEGER NOT NULL,
  expires_at  INTEGER,
  deadline_at INTEGER,
  attempts    INTEGER NOT NULL DEFAULT 0,
  sent_at     INTEGER,
  finished_at INTEGER,
  outcome     TEXT,
  last_error  TEXT,
  confirmed_by TEXT,
  params      TEXT
);
CREATE INDEX IF NOT EXISTS jobs_lane ON jobs(lane, active, id);
CREATE INDEX IF NOT EXISTS jobs_active ON jobs(active, state, due_at);
CREATE INDEX IF NOT EXISTS jobs_sent ON jobs(target, site, asset, sent_at);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs(active, finished_at);
CREATE TABLE IF NOT EXISTS attempts (
  job_id     INTEGER NOT NULL,
  n          INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at   INTEGER,
  outcome    TEXT,
  detail     TEXT,
  PRIMARY KEY (job_id, n)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tickets (
  ticket_key TEXT PRIMARY KEY,
  target     TEXT NOT NULL,
  site       TEXT NOT NULL,
  asset      TEXT NOT NULL,
  episode    TEXT NOT NULL,
  opened_for TEXT NOT NULL,
  remote_id  TEXT,
  remote_key TEXT,
  state      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_episode ON tickets(site, asset, episode);
`;

/**
 * Job states. Tickets: pending → sending → done | failed (or back to pending with a later
 * due time). Commands: pending → [awaiting_confirm → confirmed →] sending → done |
 * awaiting_ack → acked | ack_timeout; or expired, rejected, refused; a command found in
 * `sending` after a crash becomes `unknown` and is never sent again.
 */
export type JobState =
  | "pending"
  | "awaiting_confirm"
  | "confirmed"
  | "sending"
  | "awaiting_ack"
  | "done"
  | "acked"
  | "failed"
  | "ack_timeout"
  | "expired"
  | "rejected"
  | "refused"
  | "unknown";

export const FINAL_STATES = [
  "done",
  "acked",
  "failed",
  "ack_timeout",
  "expired",
  "rejected",
  "refused",
  "unknown",
] as const satisfies readonly JobState[];
export type FinalState = (typeof FINAL_STATES)[number];
export type OpenState = Exclude<JobState, FinalState>;

export interface JobRow {
  readonly id: number;
  readonly key: string;
  readonly lane: string;
  readonly kind: JobKind;
  readonly target: string;
  readonly site: string;
  readonly asset: string;
  readonly fault: string;
  readonly episode: string;
  readonly cmdId: string | null;
  readonly payload: JobPayload;
  readonly state: JobState;
  readonly createdAtMs: number;
  readonly dueAtMs: number;
  readonly expiresAtMs: number | null;
  readonly deadlineAtMs: number | null;
  readonly attempts: number;
  readonly sentAtMs: number | null;
  readonly finishedAtMs: number | null;
  readonly outcome: string | null;
  readonly lastError: string | null;
  readonly confirmedBy: string | null;
  /** Parameter values a confirmation set (over the payload's). */
  readonly params: Readonly<Record<string, number>> | null;
}

/** One delivery attempt: when it started and ended, and its outcome (`ok`, `sent` or an error code). */
export interface AttemptRow {
  readonly n: number;
  readonly startedAtMs: number;
  readonly endedAtMs: number | null;
  readonly outcome: string | null;
  readonly detail: string | null;
}

export interface TicketRow {
  readonly ticketKey: string;
  readonly target: string;
  readonly site: string;
  readonly asset: string;
  readonly episode: string;
  readonly openedFor: string;
  readonly remoteId: string | null;
  readonly remoteKey: string | null;
  readonly state: "planned" | "open" | "resolved";
}

type Raw = Record<string, unknown>;

export function toJobRow(r: Raw): JobRow {
  return {
    id: r.id as number,
    key: r.key as string,
    lane: r.lane as string,
    kind: r.kind as JobKind,
    target: r.target as string,
    site: r.site as string,
    asset: r.asset as string,
    fault: r.fault as string,
    episode: r.episode as string,
    cmdId: (r.cmd_id as string | null) ?? null,
    payload: JSON.parse(r.payload as string) as JobPayload,
    state: r.state as JobState,
    createdAtMs: r.created_at as number,
    dueAtMs: r.due_at as number,
    expiresAtMs: (r.expires_at as number | null) ?? null,
    deadlineAtMs: (r.deadline_at as number | null) ?? null,
    attempts: r.attempts as number,
    sentAtMs: (r.sent_at as number | null) ?? null,
    finishedAtMs: (r.finished_at as number | null) ?? null,
    outcome: (r.outcome as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    confirmedBy: (r.confirmed_by as string | null) ?? null,
    params: r.params == null ? null : (JSON.parse(r.params as string) as Record<string, number>),
  };
}

export function toTicketRow(r: Raw): TicketRow {
  return {
    ticketKey: r.ticket_key as string,
    target: r.target as string,
    site: r.site as string,
    asset: r.asset as string,
    episode: r.episode as string,
    openedFor: r.opened_for as string,
    remoteId: (r.remote_id as string | null) ?? null,
    remoteKey: (r.remote_key as string | null) ?? null,
    state: r.state as TicketRow["state"],
  };
}
