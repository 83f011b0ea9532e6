import type Database from "better-sqlite3";
import { FINAL_STATES } from "./outbox-schema.js";

const FINAL_SQL = FINAL_STATES.map((s) => `'${s}'`).join(",");

export type OutboxQueries = ReturnType<typeof prepareQueries>;

/** The outbox's prepared statements. */
export function prepareQueries(db: Database.Database) {
  return {
    keyExists: db.prepare("SELECT 1 FROM jobs WHERE key = ?"),
    insertJob: db.prepare(
      `INSERT INTO jobs (key, lane, kind, target, site, asset, fault, episode, cmd_id, payload, state, created_at, due_at, expires_at)
       VALUES (@key, @lane, @kind, @target, @site, @asset, @fault, @episode, @cmd_id, @payload, 'pending', @created_at, @due_at, @expires_at)`,
    ),
    insertTicket: db.prepare(
      `INSERT OR IGNORE INTO tickets (ticket_key, target, site, asset, episode, opened_for, state, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'planned', ?)`,
    ),
    episodeTickets: db.prepare(
      "SELECT ticket_key, target, opened_for FROM tickets WHERE site = ? AND asset = ? AND episode = ? ORDER BY rowid",
    ),
    ticket: db.prepare("SELECT * FROM tickets WHERE ticket_key = ?"),
    setTicket: db.prepare(
      "UPDATE tickets SET remote_id = ?, remote_key = ?, state = ?, updated_at = ? WHERE ticket_key = ?",
    ),
    job: db.prepare("SELECT * FROM jobs WHERE id = ?"),
    byKey: db.prepare("SELECT * FROM jobs WHERE key = ?"),
    byCmdId: db.prepare("SELECT * FROM jobs WHERE cmd_id = ?"),
    due: db.prepare(
      `SELECT j.* FROM jobs j
       WHERE j.active = 1 AND j.state IN ('pending', 'confirmed') AND j.due_at <= ?
         AND j.id = (SELECT MIN(k.id) FROM jobs k WHERE k.lane = j.lane AND k.active = 1)
       ORDER BY j.due_at, j.id LIMIT ?`,
    ),
    inState: db.prepare("SELECT * FROM jobs WHERE active = 1 AND state = ? ORDER BY id"),
    nextWake: db.prepare(
      `SELECT MIN(t) AS t FROM (
         SELECT MIN(j.due_at) AS t FROM jobs j WHERE j.active = 1 AND j.state IN ('pending', 'confirmed')
           AND j.id = (SELECT MIN(k.id) FROM jobs k WHERE k.lane = j.lane AND k.active = 1)
         UNION ALL SELECT MIN(deadline_at) FROM jobs WHERE active = 1 AND deadline_at IS NOT NULL
         UNION ALL SELECT MIN(expires_at) FROM jobs WHERE active = 1 AND expires_at IS NOT NULL
           AND state IN ('pending', 'confirmed', 'awaiting_confirm'))`,
    ),
    beginAttempt: db.prepare(
      "UPDATE jobs SET attempts = attempts + 1, state = 'sending', sent_at = COALESCE(?, sent_at) WHERE id = ?",
    ),
    insertAttempt: db.prepare("INSERT OR REPLACE INTO attempts (job_id, n, started_at) VALUES (?, ?, ?)"),
    trimAttempts: db.prepare("DELETE FROM attempts WHERE job_id = ? AND n <= ?"),
    attempts: db.prepare("SELECT * FROM attempts WHERE job_id = ? ORDER BY n"),
    endAttempt: db.prepare(
      "UPDATE attempts SET ended_at = ?, outcome = ?, detail = ? WHERE job_id = ? AND n = ?",
    ),
    postpone: db.prepare("UPDATE jobs SET due_at = ? WHERE id = ?"),
    overdue: db.prepare(
      `SELECT * FROM jobs WHERE active = 1 AND kind = 'command' AND (
         (state IN ('pending', 'confirmed', 'awaiting_confirm') AND expires_at <= ?)
         OR (state IN ('awaiting_confirm', 'awaiting_ack') AND deadline_at <= ?))
       ORDER BY id`,
    ),
    retry: db.prepare("UPDATE jobs SET state = 'pending', due_at = ?, last_error = ? WHERE id = ?"),
    transition: db.prepare(
      `UPDATE jobs SET state = @state, deadline_at = @deadline_at,
         sent_at = COALESCE(@sent_at, sent_at), confirmed_by = COALESCE(@confirmed_by, confirmed_by),
         params = COALESCE(@params, params)
       WHERE id = @id`,
    ),
    finish: db.prepare(
      "UPDATE jobs SET state = ?, active = 0, finished_at = ?, outcome = ?, last_error = COALESCE(?, last_error), deadline_at = NULL WHERE id = ?",
    ),
    sentSince: db.prepare(
      "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'command' AND target = ? AND site = ? AND asset = ? AND sent_at >= ?",
    ),
    pruneFinished: db.prepare(
      `DELETE FROM jobs WHERE active = 0 AND finished_at < ? AND state IN (${FINAL_SQL})`,
    ),
    pruneOldestFinished: db.prepare(
      "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE active = 0 ORDER BY finished_at, id LIMIT ?)",
    ),
    pruneAttempts: db.prepare("DELETE FROM attempts WHERE job_id NOT IN (SELECT id FROM jobs)"),
    // An open ticket stays known until it is resolved, however long its episode lasts.
    pruneTickets: db.prepare(
      "DELETE FROM tickets WHERE state <> 'open' AND ticket_key NOT IN (SELECT lane FROM jobs)",
    ),
    counts: db.prepare("SELECT COUNT(*) AS jobs, SUM(active) AS active FROM jobs"),
    oldestActive: db.prepare("SELECT MIN(created_at) AS t FROM jobs WHERE active = 1"),
  };
}
