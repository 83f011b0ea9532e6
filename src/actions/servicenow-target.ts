import type { ServiceNowTargetConfig } from "../config/actions-schema.js";
import type { Severity } from "../types.js";
import { ActionError } from "./action-error.js";
import type { SecretSource } from "./http-auth.js";
import { expectOk, jsonBody } from "./http-client.js";
import { jsonApiRequest } from "./json-api-request.js";
import type { RemoteTicket, TicketCall, TicketTarget } from "./ticket-target.js";

/** ServiceNow urgency and impact (1 high … 3 low) per advice severity. */
const PRIORITY: Record<Severity, { urgency: string; impact: string }> = {
  ok: { urgency: "3", impact: "3" },
  info: { urgency: "3", impact: "3" },
  warning: { urgency: "2", impact: "3" },
  alarm: { urgency: "1", impact: "2" },
  critical: { urgency: "1", impact: "1" },
};

/** Incident states that mean resolved (6), closed (7) or canceled (8). */
const RESOLVED_STATES = new Set(["6", "7", "8"]);

/**
 * ServiceNow's Table API: an incident per episode (POST /api/now/table/incident with
 * `correlation_id` = the ticket's key), work notes for updates and state 6 with close_code and
 * close_notes to resolve (PATCH /api/now/table/incident/{sys_id}). A retried create first looks
 * the incident up by correlation_id; a retried update looks for its marker in the work notes
 * (sys_journal_field); a retried resolve reads the state.
 */
export class ServiceNowTarget implements TicketTarget {
  readonly type = "servicenow";
  readonly name: string;
  private readonly cfg: ServiceNowTargetConfig;
  private readonly secrets: SecretSource;
  private readonly base: string;

  constructor(name: string, cfg: ServiceNowTargetConfig, secrets: SecretSource) {
    this.name = name;
    this.cfg = cfg;
    this.secrets = secrets;
    this.base = cfg.url.replace(/\/+$/, "");
  }

  async open(call: TicketCall): Promise<RemoteTicket> {
    if (call.retry) {
      const found = await this.find(call);
      if (found !== null) return found;
    }
    const sev = PRIORITY[call.payload.advice.severity];
    const body = {
      ...this.cfg.fields,
      short_description: call.text.summary,
      description: call.text.description,
      correlation_id: call.correlationId,
      correlation_display: "edge-agent",
      urgency: sev.urgency,
      impact: sev.impact,
    };
    const what = `ServiceNow ${this.name} create incident`;
    const json = jsonBody(
      await this.request("POST", "/api/now/table/incident?sysparm_fields=sys_id,number", call, what, body),
      what,
    );
    return remoteOf(json, what);
  }

  async find(call: TicketCall): Promise<RemoteTicket | null> {
    const q = new URLSearchParams({
      sysparm_query: `correlation_id=${call.correlationId}`,
      sysparm_fields: "sys_id,number,state",
      sysparm_limit: "1",
    });
    const what = `ServiceNow ${this.name} find incident`;
    const json = jsonBody(await this.request("GET", `/api/now/table/incident?${q}`, call, what), what) as {
      result?: unknown;
    };
    const first = Array.isArray(json?.result) ? (json.result[0] as unknown) : undefined;
    return first === undefined ? null : remoteOf({ result: first }, what);
  }

  async update(call: TicketCall, remote: RemoteTicket): Promise<void> {
    if (call.retry && (await this.hasWorkNote(call, remote))) return;
    const sev = PRIORITY[call.payload.advice.severity];
    const body = {
      work_notes: `${call.text.comment} [${call.marker}]`,
      urgency: sev.urgency,
      impact: sev.impact,
    };
    const what = `ServiceNow ${this.name} update incident ${remote.key}`;
    expectOk(
      await this.request("PATCH", `/api/now/table/incident/${enc(remote.id)}`, call, what, body),
      what,
    );
  }

  async resolve(call: TicketCall, remote: RemoteTicket): Promise<void> {
    if (call.retry && (await this.isResolved(call, remote))) return;
    const body = {
      state: "6",
      close_code: this.cfg.closeCode,
      close_notes: `${call.text.comment} [${call.marker}]`,
    };
    const what = `ServiceNow ${this.name} resolve incident ${remote.key}`;
    expectOk(
      await this.request("PATCH", `/api/now/table/incident/${enc(remote.id)}`, call, what, body),
      what,
    );
  }

  private async hasWorkNote(call: TicketCall, remote: RemoteTicket): Promise<boolean> {
    const q = new URLSearchParams({
      sysparm_query: `element_id=${remote.id}^element=work_notes^valueLIKE${call.marker}`,
      sysparm_fields: "sys_id",
      sysparm_limit: "1",
    });
    const what = `ServiceNow ${this.name} read work notes of ${remote.key}`;
    const json = jsonBody(
      await this.request("GET", `/api/now/table/sys_journal_field?${q}`, call, what),
      what,
    ) as {
      result?: unknown;
    };
    return Array.isArray(json?.result) && json.result.length > 0;
  }

  private async isResolved(call: TicketCall, remote: RemoteTicket): Promise<boolean> {
    const what = `ServiceNow ${this.name} read incident ${remote.key}`;
    const res = await this.request(
      "GET",
      `/api/now/table/incident/${enc(remote.id)}?sysparm_fields=state`,
      call,
      what,
    );
    if (res.status === 404) return false;
    const json = jsonBody(res, what) as { result?: { state?: unknown } };
    return RESOLVED_STATES.has(String(json?.result?.state ?? ""));
  }

  private request(
    method: "GET" | "POST" | "PATCH",
    path: string,
    call: TicketCall,
    what: string,
    body?: unknown,
  ) {
    return jsonApiRequest(this.cfg, this.secrets, method, this.base + path, call, what, body);
  }
}

function remoteOf(json: unknown, what: string): RemoteTicket {
  const r = (json as { result?: { sys_id?: unknown; number?: unknown } } | null)?.result;
  if (typeof r?.sys_id !== "string" || r.sys_id === "") {
    throw new ActionError("EA_TICKET_UNAVAILABLE", `${what}: expected result.sys_id in the answer`, {
      retryable: true,
    });
  }
  return { id: r.sys_id, key: typeof r.number === "string" ? r.number : r.sys_id };
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
