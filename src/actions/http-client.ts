import { ActionError } from "./action-error.js";

export interface HttpRequest {
  readonly method: "GET" | "POST" | "PATCH" | "PUT";
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Aborted when the outbox stops. */
  readonly signal: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Largest response body read (a ticket API answers with a few kB). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * One HTTP request with Node's fetch, bounded by a timeout. Network failures, resets and
 * timeouts throw a retryable ActionError; any status is returned (see `expectOk`).
 */
export async function httpRequest(req: HttpRequest, what: string): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([req.signal, timeout]);
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal,
      redirect: "error",
    });
    const text = await readBody(res);
    return { status: res.status, headers: res.headers, text };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    let why: string;
    if (timeout.aborted) why = `no answer within ${req.timeoutMs} ms`;
    else if (req.signal.aborted) why = "aborted: the outbox is stopping";
    else why = e.cause?.code ?? e.cause?.message ?? e.message;
    throw new ActionError(
      "EA_TICKET_UNAVAILABLE",
      `${what}: ${req.method} ${redactUrl(req.url)} failed (${why})`,
      {
        retryable: true,
      },
    );
  }
}

async function readBody(res: Response): Promise<string> {
  const len = Number(res.headers.get("content-length") ?? "0");
  if (len > MAX_BODY_BYTES) {
    await res.body?.cancel();
    return "";
  }
  const text = await res.text();
  return text.length > MAX_BODY_BYTES ? text.slice(0, MAX_BODY_BYTES) : text;
}

/**
 * Throws the ActionError a non-2xx answer means: 408, 425, 429 and 5xx are retryable
 * (honouring Retry-After), 401/403 are credentials a person must fix, other 4xx are rejections.
 */
export function expectOk(res: HttpResponse, what: string): void {
  if (res.status >= 200 && res.status < 300) return;
  const detail = `${what}: expected a 2xx answer, found ${res.status} ${snippet(res.text)}`;
  if (res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), Date.now());
    throw new ActionError("EA_TICKET_UNAVAILABLE", detail, {
      retryable: true,
      status: res.status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  if (res.status === 401 || res.status === 403) {
    throw new ActionError("EA_TICKET_AUTH", `${detail} (check the target's credentials)`, {
      status: res.status,
    });
  }
  throw new ActionError("EA_TICKET_REJECTED", detail, { status: res.status });
}

/** The JSON body of a 2xx answer; a body that is not JSON is retryable (a proxy's error page). */
export function jsonBody(res: HttpResponse, what: string): unknown {
  expectOk(res, what);
  if (res.text === "") return null;
  try {
    return JSON.parse(res.text) as unknown;
  } catch {
    throw new ActionError(
      "EA_TICKET_UNAVAILABLE",
      `${what}: expected a JSON answer, found ${snippet(res.text)}`,
      {
        retryable: true,
        status: res.status,
      },
    );
  }
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(v: string | null, nowMs: number): number | undefined {
  if (v === null || v.trim() === "") return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - nowMs);
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}

/** A URL without user:password, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
