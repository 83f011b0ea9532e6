import type { Logger } from "pino";
import type { CommandJobPayload } from "./action-jobs.js";
import { type ActionMqtt, actionTopic } from "./action-mqtt.js";
import type { JobRow } from "./outbox-schema.js";

export type AuditEventName =
  | "requested"
  | "confirmed"
  | "rejected"
  | "sent"
  | "acked"
  | "ack_timeout"
  | "expired"
  | "refused"
  | "failed"
  | "unknown";

export interface AuditDetail {
  readonly code?: string;
  readonly detail?: string;
  readonly params?: Readonly<Record<string, number>>;
  readonly by?: string | undefined;
  readonly destination?: string;
  readonly mode?: string;
  readonly confirmBy?: string;
}

export interface CommandAuditOptions {
  readonly prefix: string;
  readonly mqtt: () => ActionMqtt | null;
  readonly log: Logger;
  readonly now: () => number;
}

/** Events that need a person: the advised command did not happen, or may have happened unseen. */
const ERRORS = new Set<AuditEventName>(["expired", "refused", "failed", "ack_timeout", "unknown"]);

/**
 * Every step of a command (requested, confirmed, sent, acknowledged, expired, refused, …) as a
 * log line and an audit event on `<prefix>/<site>/<asset>/actions/<id>/audit` (QoS 1, not
 * retained), counted per event. A confirmation timeout is a warning, not an error: nobody
 * said yes.
 */
export class CommandAudit {
  private readonly opts: CommandAuditOptions;
  readonly counts: Partial<Record<AuditEventName, number>> = {};

  constructor(opts: CommandAuditOptions) {
    this.opts = opts;
  }

  event(job: JobRow, event: AuditEventName, d: AuditDetail = {}): void {
    this.counts[event] = (this.counts[event] ?? 0) + 1;
    const p = job.payload as CommandJobPayload;
    const id = job.cmdId ?? "";
    const at = new Date(this.opts.now()).toISOString();
    const body = {
      id,
      command: p.command,
      event,
      at,
      site: job.site,
      asset: job.asset,
      fault: job.fault,
      severity: p.advice.severity,
      episodeId: job.episode,
      ...d,
    };
    const fields = {
      command: p.command,
      id,
      event,
      site: job.site,
      asset: job.asset,
      episode: job.episode,
      ...d,
    };
    const msg = `command ${p.command} ${event.replace("_", " ")} (${job.site}/${job.asset})`;
    if (ERRORS.has(event) && d.code !== "EA_COMMAND_CONFIRM_TIMEOUT") this.opts.log.error(fields, msg);
    else if (event === "expired") this.opts.log.warn(fields, msg);
    else this.opts.log.info(fields, msg);
    try {
      this.opts
        .mqtt()
        ?.publish(
          actionTopic(this.opts.prefix, job.site, job.asset, id, "audit"),
          JSON.stringify(body),
          1,
          false,
        );
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message, id }, "audit event not published");
    }
  }
}
