import type { JiraTargetConfig } from "../config/actions-schema.js";
import { ActionError } from "./action-error.js";
import { marker } from "./action-jobs.js";
import type { SecretSource } from "./http-auth.js";
import { expectOk, jsonBody } from "./http-client.js";
import { jsonApiRequest } from "./json-api-request.js";
import type { RemoteTicket, TicketCall, TicketTarget } from "./ticket-target.js";

interface Transition {
  readonly id: string;
  readonly name: string;
  readonly to?: { readonly name?: string };
}

/**
 * Jira's REST API (v2, or v3 with Atlassian Document Format bodies): an issue per episode
 * (POST /issue) carrying a label made from the ticket's key, comments for updates
 * (POST /issue/{key}/comment), and a transition found by name to resolve
 * (GET, then POST /issue/{key}/transitions, with the comment). A retried create first searches
 * the label with JQL; a retried comment looks for its marker; a retried resolve reads the status.
 */
export class JiraTarget implements TicketTarget {
  readonly type = "jira";
  readonly name: string;
  private readonly cfg: JiraTargetConfig;
  private readonly secrets: SecretSource;
  private readonly api: string;

  constructor(name: string, cfg: JiraTargetConfig, secrets: SecretSource) {
    this.name = name;
    this.cfg = cfg;
    this.secrets = secrets;
    this.api = `${cfg.url.replace(/\/+$/, "")}/rest/api/${cfg.apiVersion}`;
  }

  async open(call: TicketCall): Promise<RemoteTicket> {
    if (call.retry) {
      const found = await this.find(call);
      if (found !== null) return found;
    }
    const sev = call.payload.advice.severity;
    const priority = this.cfg.priorities[sev];
    const fields: Record<string, unknown> = {
      project: { key: this.cfg.project },
      issuetype: { name: this.cfg.issueType },
      summary: call.text.summary,
      description: this.doc(call.text.description),
      labels: [...this.cfg.labels, ticketLabel(call.ticketKey)],
      ...(priority !== undefined ? { priority: { name: priority } } : {}),
    };
    const what = `Jira ${this.name} create issue`;
    const json = jsonBody(await this.request("POST", "/issue", call, what, { fields }), what) as {
      id?: unknown;
      key?: unknown;
    };
    if (typeof json?.key !== "string") {
      throw new ActionError("EA_TICKET_UNAVAILABLE", `${what}: expected an issue key in the answer`, {
        retryable: true,
      });
    }
    return { id: typeof json.id === "string" ? json.id : json.key, key: json.key };
  }

  async find(call: TicketCall): Promise<RemoteTicket | null> {
    const q = new URLSearchParams({
      jql: `labels = "${ticketLabel(call.ticketKey)}"`,
      fields: "status",
      maxResults: "1",
    });
    const path = this.cfg.deployment === "cloud" ? "/search/jql" : "/search";
    const what = `Jira ${this.name} search issue`;
    const json = jsonBody(await this.request("GET", `${path}?${q}`, call, what), what) as {
      issues?: unknown;
    };
    const first = Array.isArray(json?.issues)
      ? (json.issues[0] as { id?: unknown; key?: unknown } | undefined)
      : undefined;
    if (first === undefined || typeof first.key !== "string") return null;
    return { id: typeof first.id === "string" ? first.id : first.key, key: first.key };
  }

  async update(call: TicketCall, remote: RemoteTicket): Promise<void> {
    if (call.retry && (await this.hasComment(call, remote))) return;
    const what = `Jira ${this.name} comment on ${remote.key}`;
    const body = { body: this.doc(`${call.text.comment} [${call.marker}]`) };
    expectOk(await this.request("POST", `/issue/${enc(remote.key)}/comment`, call, what, body), what);
  }

  async resolve(call: TicketCall, remote: RemoteTicket): Promise<void> {
    if (call.retry && (await this.isDone(call, remote))) return;
    const listWhat = `Jira ${this.name} transitions of ${remote.key}`;
    const list = jsonBody(
      await this.request("GET", `/issue/${enc(remote.key)}/transitions`, call, listWhat),
      listWhat,
    ) as {
      transitions?: Transition[];
    };
    const transitions = Array.isArray(list?.transitions) ? list.transitions : [];
    const wanted = this.cfg.resolveTransition.toLowerCase();
    const t = transitions.find(
      (x) => x.name?.toLowerCase() === wanted || x.to?.name?.toLowerCase() === wanted,
    );
    if (t === undefined) {
      if (await this.isDone(call, remote)) return;
      throw new ActionError(
        "EA_TICKET_NO_TRANSITION",
        `Jira ${this.name}: expected a transition "${this.cfg.resolveTransition}" on ${remote.key}, found ${transitions.map((x) => `"${x.name}"`).join(", ") || "none"}`,
      );
    }
    const what = `Jira ${this.name} resolve ${remote.key}`;
    const body = {
      transition: { id: t.id },
      update: { comment: [{ add: { body: this.doc(`${call.text.comment} [${call.marker}]`) } }] },
    };
    expectOk(await this.request("POST", `/issue/${enc(remote.key)}/transitions`, call, what, body), what);
  }

  private async hasComment(call: TicketCall, remote: RemoteTicket): Promise<boolean> {
    const what = `Jira ${this.name} read comments of ${remote.key}`;
    const path = `/issue/${enc(remote.key)}/comment?maxResults=100&orderBy=-created`;
    const json = jsonBody(await this.request("GET", path, call, what), what) as { comments?: unknown[] };
    return (json?.comments ?? []).some((c) => JSON.stringify(c).includes(call.marker));
  }

  private async isDone(call: TicketCall, remote: RemoteTicket): Promise<boolean> {
    const what = `Jira ${this.name} read status of ${remote.key}`;
    const json = jsonBody(
      await this.request("GET", `/issue/${enc(remote.key)}?fields=status`, call, what),
      what,
    ) as {
      fields?: { status?: { statusCategory?: { key?: string } } };
    };
    return json?.fields?.status?.statusCategory?.key === "done";
  }

  /** A text body: a string for v2, an Atlassian Document (a paragraph per line) for v3. */
  private doc(text: string): unknown {
    if (this.cfg.apiVersion === 2) return text;
    return {
      type: "doc",
      version: 1,
      content: text
        .split("\n")
        .map((line) => ({ type: "paragraph", content: line === "" ? [] : [{ type: "text", text: line }] })),
    };
  }

  private request(method: "GET" | "POST", path: string, call: TicketCall, what: string, body?: unknown) {
    return jsonApiRequest(this.cfg, this.secrets, method, this.api + path, call, what, body);
  }
}

/** The label that finds a ticket's issue again: `ea-` and 16 hex digits of its key's hash. */
export function ticketLabel(ticketKey: string): string {
  return marker(ticketKey);
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
