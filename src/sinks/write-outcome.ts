import { HttpError } from "@influxdata/influxdb-client";

/**
 * What to do with a batch whose write failed:
 * - `retry`: the server is away or overloaded (network error, timeout, 429, 5xx) — spool it and
 *   retry with backoff; the agent recovers by itself.
 * - `refused`: the server answers but refuses us for a reason a person must fix (401/403 token,
 *   404 org or bucket, other 4xx) — spool it too (nothing is lost while the token is fixed), log
 *   an error, retry at the slowest pace.
 * - `reject`: the server says the points are bad (400 incl. partial writes, 413, 422) — sending
 *   them again cannot help: count them, log, drop the batch.
 */
export type WriteOutcome =
  | {
      readonly kind: "retry";
      readonly status: number | null;
      readonly reason: string;
      readonly retryAfterMs: number;
    }
  | { readonly kind: "refused"; readonly status: number; readonly reason: string }
  | { readonly kind: "reject"; readonly status: number; readonly reason: string };

const REJECT = new Set([400, 413, 422]);

export function classifyWriteError(err: unknown): WriteOutcome {
  if (err instanceof HttpError || (typeof err === "object" && err !== null && "statusCode" in err)) {
    const e = err as HttpError;
    const status = e.statusCode;
    const reason = `HTTP ${status}${serverMessage(e)}`;
    if (REJECT.has(status)) return { kind: "reject", status, reason };
    if (status === 429 || status >= 500) {
      // Retry-After in seconds (the client reads only the seconds form; a date counts as 0).
      const afterS = typeof e.retryAfter === "function" ? e.retryAfter() : 0;
      return {
        kind: "retry",
        status,
        reason,
        retryAfterMs: Number.isFinite(afterS) && afterS > 0 ? afterS * 1000 : 0,
      };
    }
    return { kind: "refused", status, reason };
  }
  const e = err as (Error & { code?: string }) | undefined;
  const reason = e?.code ? `${e.code}: ${e.message}` : (e?.message ?? String(err));
  return { kind: "retry", status: null, reason: reason === "" ? "request failed" : reason, retryAfterMs: 0 };
}

function serverMessage(e: HttpError): string {
  const json = e.json as { message?: unknown } | undefined;
  const text = typeof json?.message === "string" ? json.message : (e.body ?? "");
  const one = text.replace(/\s+/g, " ").trim().slice(0, 300);
  return one === "" ? "" : `: ${one}`;
}
