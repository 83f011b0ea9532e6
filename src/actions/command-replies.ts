import type { Logger } from "pino";
import type { ActionMode, CommandConfig } from "../config/actions-schema.js";
import type { ResolvedAsset } from "../config/load-config.js";
import { topicFor } from "../sources/topic-router.js";
import { asActionError } from "./action-error.js";
import type { CommandJobPayload } from "./action-jobs.js";
import { parseConfirmTopic } from "./action-mqtt.js";
import { lowerMode } from "./action-rules.js";
import type { CommandAudit } from "./command-audit.js";
import { checkParams } from "./command-envelope.js";
import type { OutboxStore } from "./outbox-store.js";

export interface CommandRepliesOptions {
  readonly store: OutboxStore;
  readonly prefix: string;
  readonly commandsFor: (site: string, asset: string) => Readonly<Record<string, CommandConfig>> | null;
  /** Acknowledgement topics (filled in per asset) → the assets (`site/asset`) that use them. */
  readonly ackTopics: ReadonlyMap<string, ReadonlySet<string>>;
  readonly audit: CommandAudit;
  readonly log: Logger;
  readonly now: () => number;
  /** A confirmed command is ready: look at the outbox now. */
  readonly wake: () => void;
}

/** Largest confirmation or acknowledgement read. */
const MAX_REPLY_BYTES = 4096;

export type IgnoredReason = "bad_payload" | "id_mismatch" | "unknown_id" | "wrong_asset" | "not_waiting";

/**
 * Confirmations and acknowledgements from MQTT. A confirmation on
 * `<prefix>/<site>/<asset>/actions/<id>/confirm` must carry `{"id": "<id>"}` (optionally
 * `"decision": "reject"`, `"by"`, and `"params"` within the command's limits) and only moves a
 * command of that asset that is waiting for it; an acknowledgement must name the id of a
 * command of its asset that waits for one. Nothing in a message can name a command to send.
 */
export class CommandReplies {
  private readonly opts: CommandRepliesOptions;
  private readonly warned = new Set<IgnoredReason>();
  readonly stats = { confirmations: 0, rejections: 0, acks: 0, ignored: 0 };

  constructor(opts: CommandRepliesOptions) {
    this.opts = opts;
  }

  /** Handles a message if it is a confirmation or an acknowledgement; true when it was one. */
  onMessage(topic: string, payload: Buffer): boolean {
    const c = parseConfirmTopic(this.opts.prefix, topic);
    if (c !== null) {
      this.confirm(c.site, c.asset, c.id, payload);
      return true;
    }
    const assets = this.opts.ackTopics.get(topic);
    if (assets !== undefined) {
      this.ack(topic, assets, payload);
      return true;
    }
    return false;
  }

  private confirm(site: string, asset: string, id: string, payload: Buffer): void {
    const msg = readReply(payload);
    if (msg === null) {
      this.ignore("bad_payload", id);
      return;
    }
    if (msg.id !== id) {
      this.ignore("id_mismatch", id);
      return;
    }
    if (msg.decision !== undefined && msg.decision !== "confirm" && msg.decision !== "reject") {
      this.ignore("bad_payload", id);
      return;
    }
    const { store } = this.opts;
    const job = store.byCmdId(id);
    if (job === null) {
      this.ignore("unknown_id", id);
      return;
    }
    if (job.site !== site || job.asset !== asset) {
      this.ignore("wrong_asset", id);
      return;
    }
    if (job.state !== "awaiting_confirm") {
      this.ignore("not_waiting", id);
      return;
    }
    const by = typeof msg.by === "string" ? msg.by.replace(/[^\x20-\x7e]/g, "").slice(0, 64) : undefined;
    const nowMs = this.opts.now();
    if (msg.decision === "reject") {
      this.stats.rejections++;
      store.finish(job.id, "rejected", nowMs, "EA_COMMAND_REJECTED", by ? `rejected by ${by}` : "rejected");
      this.opts.audit.event(job, "rejected", { code: "EA_COMMAND_REJECTED", by });
      return;
    }
    const p = job.payload as CommandJobPayload;
    let params: Record<string, number> | undefined;
    if (msg.params !== undefined) {
      const cmd = this.opts.commandsFor(site, asset)?.[p.command];
      try {
        if (typeof msg.params !== "object" || msg.params === null || Array.isArray(msg.params)) {
          throw new Error("params must be an object of numbers");
        }
        params = {};
        for (const [k, v] of Object.entries(msg.params)) params[k] = typeof v === "number" ? v : Number.NaN;
        if (cmd !== undefined) checkParams(p.command, cmd, { ...p.params, ...params });
      } catch (err) {
        const e = asActionError(err);
        const code = "EA_COMMAND_LIMITS";
        store.finish(job.id, "refused", nowMs, code, e.message);
        this.opts.audit.event(job, "refused", { code, detail: e.message, by });
        return;
      }
    }
    this.stats.confirmations++;
    store.transition(job.id, "confirmed", {
      deadlineAtMs: null,
      ...(by !== undefined ? { confirmedBy: by } : {}),
      ...(params !== undefined ? { params } : {}),
    });
    this.opts.audit.event(job, "confirmed", { by, ...(params !== undefined ? { params } : {}) });
    this.opts.wake();
  }

  private ack(topic: string, assets: ReadonlySet<string>, payload: Buffer): void {
    const msg = readReply(payload);
    if (msg === null || typeof msg.id !== "string") {
      this.ignore("bad_payload", topic);
      return;
    }
    const { store } = this.opts;
    const job = store.byCmdId(msg.id);
    if (job === null) {
      this.ignore("unknown_id", msg.id);
      return;
    }
    if (!assets.has(`${job.site}/${job.asset}`)) {
      this.ignore("wrong_asset", msg.id);
      return;
    }
    if (job.state !== "awaiting_ack") {
      this.ignore("not_waiting", msg.id);
      return;
    }
    const nowMs = this.opts.now();
    this.stats.acks++;
    if (msg.ok === false) {
      const detail = `the device answered ok=false${typeof msg.detail === "string" ? `: ${msg.detail.slice(0, 200)}` : ""}`;
      store.finish(job.id, "failed", nowMs, "EA_COMMAND_SEND_FAILED", detail);
      this.opts.audit.event(job, "failed", { code: "EA_COMMAND_SEND_FAILED", detail });
      return;
    }
    store.finish(job.id, "acked", nowMs, "acked");
    this.opts.audit.event(job, "acked");
  }

  private ignore(reason: IgnoredReason, id: string): void {
    this.stats.ignored++;
    const fields = { reason, id, ignored: this.stats.ignored };
    if (!this.warned.has(reason)) {
      this.warned.add(reason);
      this.opts.log.warn(
        fields,
        "command reply ignored (counted; further ones of this kind are logged at debug)",
      );
    } else this.opts.log.debug(fields, "command reply ignored");
  }
}

interface Reply {
  readonly id?: unknown;
  readonly decision?: unknown;
  readonly by?: unknown;
  readonly params?: unknown;
  readonly ok?: unknown;
  readonly detail?: unknown;
}

function readReply(payload: Buffer): Reply | null {
  if (payload.length > MAX_REPLY_BYTES) return null;
  try {
    const v = JSON.parse(payload.toString("utf8")) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Reply) : null;
  } catch {
    return null;
  }
}

/**
 * What to subscribe for replies: each acknowledged command's ack topic (filled in per asset,
 * with the assets that use it), and whether any command waits for confirmations.
 */
export function replyTopics(
  assets: readonly ResolvedAsset[],
  prefix: string,
  maxMode: ActionMode,
): { ackTopics: Map<string, Set<string>>; confirms: boolean } {
  const ackTopics = new Map<string, Set<string>>();
  let confirms = false;
  for (const a of assets) {
    for (const c of Object.values(a.profile.actions?.commands ?? {})) {
      const mode = lowerMode(c.mode, maxMode);
      if (mode === "confirm") confirms = true;
      if (c.ack === undefined || mode === "advise") continue;
      const topic = topicFor(c.ack.topic, prefix, a.ref.site, a.ref.asset);
      const set = ackTopics.get(topic) ?? new Set<string>();
      set.add(a.ref.key);
      ackTopics.set(topic, set);
    }
  }
  return { ackTopics, confirms };
}
