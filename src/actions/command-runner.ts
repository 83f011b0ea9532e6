import type { Logger } from "pino";
import type { ActionMode, CommandConfig } from "../config/actions-schema.js";
import { topicFor } from "../sources/topic-router.js";
import { ActionError, asActionError } from "./action-error.js";
import type { CommandJobPayload } from "./action-jobs.js";
import { type ActionMqtt, actionTopic } from "./action-mqtt.js";
import { lowerMode } from "./action-rules.js";
import type { CommandAudit } from "./command-audit.js";
import { checkParams, renderCommand, withinRateLimit } from "./command-envelope.js";
import { type CommandTransport, MqttCommandTransport, type OutgoingCommand } from "./command-transport.js";
import type { JobRow } from "./outbox-schema.js";
import type { OutboxStore } from "./outbox-store.js";
import type { JobHandler } from "./outbox-worker.js";

export interface CommandRunnerOptions {
  readonly store: OutboxStore;
  readonly prefix: string;
  readonly mqtt: () => ActionMqtt | null;
  /** Transports besides MQTT (a serial port's owner). */
  readonly transports: { readonly serial?: CommandTransport };
  /** The allow-list: the commands the asset's profile names now (null: the asset is gone). */
  readonly commandsFor: (site: string, asset: string) => Readonly<Record<string, CommandConfig>> | null;
  readonly maxMode: ActionMode;
  readonly audit: CommandAudit;
  readonly log: Logger;
  readonly now: () => number;
}

/** While the broker or port is away a command waits this long between looks (its expiry still holds). */
const WAIT_FOR_TRANSPORT_MS = 1000;

/**
 * Sends commands inside their safety envelope: only commands the asset's profile names now,
 * in the mode the profile and the fleet allow, with parameters within their limits, within
 * the rate limit, never after `maxAgeS`. In `confirm` mode it publishes a request and sends
 * only after the confirmation naming the command's id. A command is marked as sending (and
 * counted for the rate limit) before it is written, so a crash can lose it but never send it
 * twice.
 */
export class CommandRunner implements JobHandler {
  private readonly opts: CommandRunnerOptions;

  constructor(opts: CommandRunnerOptions) {
    this.opts = opts;
  }

  async run(job: JobRow): Promise<void> {
    const { store } = this.opts;
    const p = job.payload as CommandJobPayload;
    const nowMs = this.opts.now();
    const cmd = this.opts.commandsFor(job.site, job.asset)?.[p.command];
    if (cmd === undefined) {
      const why = `"${p.command}" is not a command of ${job.site}/${job.asset}'s profile`;
      this.refuse(job, new ActionError("EA_COMMAND_NOT_ALLOWED", why));
      return;
    }
    if (job.expiresAtMs !== null && job.expiresAtMs <= nowMs) {
      this.expire(job, "EA_COMMAND_EXPIRED");
      return;
    }
    const mode = lowerMode(lowerMode(p.mode, cmd.mode), this.opts.maxMode);
    if (mode === "advise") {
      const why = `"${p.command}" is in mode advise now: it is never sent`;
      this.refuse(job, new ActionError("EA_COMMAND_NOT_ALLOWED", why));
      return;
    }
    const mqtt = this.opts.mqtt();
    if (mode === "confirm" && job.state === "pending") {
      if (mqtt === null || !mqtt.isConnected()) store.postpone(job.id, nowMs + WAIT_FOR_TRANSPORT_MS);
      else this.request(job, p, cmd, mqtt, nowMs);
      return;
    }
    const transport =
      cmd.transport.type === "mqtt" ? mqtt && new MqttCommandTransport(mqtt) : this.opts.transports.serial;
    if (!transport) {
      const why = `no ${cmd.transport.type} transport is wired for "${p.command}"`;
      this.refuse(job, new ActionError("EA_COMMAND_NO_TRANSPORT", why));
      return;
    }
    const params = { ...p.params, ...(job.params ?? {}) };
    let payload: Buffer;
    try {
      checkParams(p.command, cmd, params);
      if (cmd.rateLimit !== undefined) {
        const sent = store.sentSince(p.command, job.site, job.asset, nowMs - cmd.rateLimit.perS * 1000);
        if (!withinRateLimit(cmd, sent)) {
          throw new ActionError(
            "EA_COMMAND_RATE_LIMITED",
            `"${p.command}" was sent ${sent} time(s) to ${job.site}/${job.asset} in the last ${cmd.rateLimit.perS} s (at most ${cmd.rateLimit.max})`,
          );
        }
      }
      payload = renderCommand(cmd, {
        id: job.cmdId!,
        command: p.command,
        advice: p.advice,
        params,
        issuedAtMs: nowMs,
        expiresAtMs: job.expiresAtMs ?? nowMs,
      });
    } catch (err) {
      this.refuse(job, asActionError(err));
      return;
    }
    const t = cmd.transport;
    const out: OutgoingCommand = {
      id: job.cmdId!,
      name: p.command,
      site: job.site,
      asset: job.asset,
      destination: t.type === "mqtt" ? topicFor(t.topic, this.opts.prefix, job.site, job.asset) : t.port,
      qos: t.type === "mqtt" ? t.qos : 1,
    };
    const readiness = transport.readiness(out);
    if (readiness === "absent") {
      const why = `no ${t.type} destination ${out.destination} for "${p.command}" (is a source holding that port?)`;
      this.refuse(job, new ActionError("EA_COMMAND_NO_TRANSPORT", why));
      return;
    }
    if (readiness === "waiting") {
      // Never queued in memory to go out late: it waits here, and its expiry still holds.
      store.postpone(job.id, nowMs + WAIT_FOR_TRANSPORT_MS);
      return;
    }
    const n = store.beginAttempt(job.id, nowMs, true);
    try {
      await transport.send(out, payload);
    } catch (err) {
      const e = new ActionError(
        "EA_COMMAND_SEND_FAILED",
        `"${p.command}" to ${out.destination}: ${(err as Error).message}`,
      );
      store.endAttempt(job.id, n, this.opts.now(), e.code, e.message);
      store.finish(job.id, "failed", this.opts.now(), e.code, e.message);
      this.opts.audit.event(job, "failed", { code: e.code, detail: e.message, params });
      return;
    }
    const sentAt = this.opts.now();
    store.endAttempt(job.id, n, sentAt, "sent", null);
    if (cmd.ack !== undefined)
      store.transition(job.id, "awaiting_ack", { deadlineAtMs: sentAt + cmd.ack.timeoutS * 1000 });
    else store.finish(job.id, "done", sentAt, "sent");
    this.opts.audit.event(job, "sent", {
      params,
      destination: out.destination,
      mode,
      by: job.confirmedBy ?? undefined,
    });
  }

  /** Drops what is overdue: commands past `maxAgeS`, requests past their deadline, acks not received. */
  expireOverdue(nowMs: number): void {
    for (const job of this.opts.store.overdue(nowMs)) {
      if (job.state === "awaiting_ack") {
        this.opts.store.finish(job.id, "ack_timeout", nowMs, "EA_COMMAND_ACK_TIMEOUT");
        this.opts.audit.event(job, "ack_timeout", { code: "EA_COMMAND_ACK_TIMEOUT" });
      } else if (job.expiresAtMs !== null && job.expiresAtMs <= nowMs) {
        this.expire(job, "EA_COMMAND_EXPIRED");
      } else {
        this.expire(job, "EA_COMMAND_CONFIRM_TIMEOUT");
      }
    }
  }

  private request(
    job: JobRow,
    p: CommandJobPayload,
    cmd: CommandConfig,
    mqtt: ActionMqtt,
    nowMs: number,
  ): void {
    const deadline = Math.min(nowMs + cmd.confirmTimeoutS * 1000, job.expiresAtMs ?? Infinity);
    this.opts.store.transition(job.id, "awaiting_confirm", { deadlineAtMs: deadline });
    const a = p.advice;
    const id = job.cmdId!;
    const body = {
      id,
      command: p.command,
      description: cmd.description ?? "",
      site: job.site,
      asset: job.asset,
      fault: a.fault,
      severity: a.severity,
      confidence: a.confidence,
      action: a.action,
      episodeId: a.episodeId,
      params: p.params,
      limits: cmd.params,
      requestedAt: new Date(nowMs).toISOString(),
      confirmBy: new Date(deadline).toISOString(),
      confirmTopic: actionTopic(this.opts.prefix, job.site, job.asset, id, "confirm"),
    };
    mqtt.publish(
      actionTopic(this.opts.prefix, job.site, job.asset, id, "request"),
      JSON.stringify(body),
      1,
      false,
    );
    this.opts.audit.event(job, "requested", { params: p.params, confirmBy: body.confirmBy });
  }

  private expire(job: JobRow, code: "EA_COMMAND_EXPIRED" | "EA_COMMAND_CONFIRM_TIMEOUT"): void {
    this.opts.store.finish(job.id, "expired", this.opts.now(), code);
    this.opts.audit.event(job, "expired", { code });
  }

  private refuse(job: JobRow, e: ActionError): void {
    this.opts.store.finish(job.id, "refused", this.opts.now(), e.code, e.message);
    this.opts.audit.event(job, "refused", { code: e.code, detail: e.message });
  }
}
