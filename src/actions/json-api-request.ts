import { authorization, type SecretSource } from "./http-auth.js";
import { type HttpRequest, type HttpResponse, httpRequest } from "./http-client.js";
import type { TicketCall } from "./ticket-target.js";

/** What a REST ticket target (ServiceNow, Jira) needs to make a request. */
export interface JsonApiTarget {
  readonly headers: Readonly<Record<string, string>>;
  readonly auth: Parameters<typeof authorization>[0];
  readonly timeoutMs: number;
}

/** A JSON request to a ticket system's REST API, with the target's headers, auth and timeout. */
export function jsonApiRequest(
  cfg: JsonApiTarget,
  secrets: SecretSource,
  method: HttpRequest["method"],
  url: string,
  call: TicketCall,
  what: string,
  body?: unknown,
): Promise<HttpResponse> {
  return httpRequest(
    {
      method,
      url,
      headers: {
        ...cfg.headers,
        accept: "application/json",
        authorization: authorization(cfg.auth, secrets),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      timeoutMs: cfg.timeoutMs,
      signal: call.signal,
    },
    what,
  );
}
