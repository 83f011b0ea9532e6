import { createHmac } from "node:crypto";
import type { WebhookTargetConfig } from "../config/actions-schema.js";
import { resolveSecret } from "../config/secrets.js";
import type { SecretSource } from "./http-auth.js";
import { expectOk, httpRequest } from "./http-client.js";
import type { RemoteTicket, TicketCall, TicketTarget } from "./ticket-target.js";

/**
 * A generic webhook: every ticket operation is POSTed as a CloudEvents 1.0 JSON event
 * (structured mode) with an `Idempotency-Key` header (the job's key, also the event id, so a
 * retried delivery is the same event) and, with a secret, an HMAC-SHA256 signature of the body
 * in `signatureHeader` as `sha256=<hex>`. The receiver keeps one ticket per `subject`.
 */
export class WebhookTarget implements TicketTarget {
  readonly type = "webhook";
  readonly name: string;
  private readonly cfg: WebhookTargetConfig;
  private readonly secrets: SecretSource;
  private readonly source: string;

  constructor(name: string, cfg: WebhookTargetConfig, secrets: SecretSource, agentId: string) {
    this.name = name;
    this.cfg = cfg;
    this.secrets = secrets;
    this.source = cfg.source ?? `edge-agent/${agentId}`;
  }

  async open(call: TicketCall): Promise<RemoteTicket> {
    await this.post(call);
    return { id: call.correlationId, key: call.correlationId };
  }

  async find(call: TicketCall): Promise<RemoteTicket | null> {
    return { id: call.correlationId, key: call.correlationId };
  }

  async update(call: TicketCall): Promise<void> {
    await this.post(call);
  }

  async resolve(call: TicketCall): Promise<void> {
    await this.post(call);
  }

  /** The event body for a call (exported for receivers' tests through `eventFor`). */
  event(call: TicketCall): Record<string, unknown> {
    return eventFor(call, this.source);
  }

  private async post(call: TicketCall): Promise<void> {
    const body = JSON.stringify(this.event(call));
    const headers: Record<string, string> = {
      ...this.cfg.headers,
      "content-type": "application/cloudevents+json; charset=utf-8",
      "idempotency-key": call.jobKey,
    };
    if (this.cfg.secret !== undefined) {
      const key = resolveSecret(this.cfg.secret, this.secrets.baseDir, this.secrets.env);
      headers[this.cfg.signatureHeader.toLowerCase()] = `sha256=${sign(key, body)}`;
    }
    const what = `webhook ${this.name} ${call.kind}`;
    const res = await httpRequest(
      {
        method: "POST",
        url: this.cfg.url,
        headers,
        body,
        timeoutMs: this.cfg.timeoutMs,
        signal: call.signal,
      },
      what,
    );
    expectOk(res, what);
  }
}

/** HMAC-SHA256 of the body, hex. */
export function sign(key: string, body: string): string {
  return createHmac("sha256", key).update(body).digest("hex");
}

/** The CloudEvents envelope of a ticket call: the same call always gives the same event. */
export function eventFor(call: TicketCall, source: string): Record<string, unknown> {
  const a = call.payload.advice;
  return {
    specversion: "1.0",
    id: call.jobKey,
    source,
    type: `com.edge-agent.ticket.${call.kind.slice("ticket.".length)}`,
    subject: call.ticketKey,
    time: new Date(call.createdAtMs).toISOString(),
    datacontenttype: "application/json",
    data: {
      ticket: call.ticketKey,
      correlationId: call.correlationId,
      summary: call.text.summary,
      description: call.text.description,
      comment: call.text.comment,
      site: a.site,
      asset: a.asset,
      fault: a.fault,
      severity: a.severity,
      confidence: a.confidence,
      action: a.action,
      transition: a.transition,
      episodeId: a.episodeId,
      model: a.model,
      modelVersion: a.modelVersion,
      changedAt: new Date(a.changedAtMs).toISOString(),
    },
  };
}
