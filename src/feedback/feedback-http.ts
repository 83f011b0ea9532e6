import type { IncomingMessage, ServerResponse } from "node:http";
import { type FeedbackMessage, MAX_FEEDBACK_BYTES, parseFeedback } from "./feedback-message.js";
import type { FeedbackResult, PrecisionRow } from "./feedback-store.js";

/**
 * Feedback over HTTP, for the ops server to mount (it owns the loopback port):
 * - `POST /feedback` with the same JSON as the MQTT message → 200 `{"ok": true, "episodeId"}`,
 *   400 for a malformed body, 404 for an unknown episode, 413 for a body over 16 KiB;
 * - `GET /feedback/precision` → precision per model and asset.
 * A ticket system's webhook can call it directly.
 */

export interface FeedbackTarget {
  feedback(m: FeedbackMessage, source: "http"): FeedbackResult;
  precision(): PrecisionRow[];
}

export interface HttpRoute {
  readonly method: "GET" | "POST";
  readonly path: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(`${JSON.stringify(body)}\n`);
}

/** Reads a request body up to `limit` bytes; null when it is larger. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The feedback routes for a target (the agent's QualityLoop). */
export function feedbackRoutes(target: () => FeedbackTarget | null): HttpRoute[] {
  return [
    {
      method: "POST",
      path: "/feedback",
      handle: async (req, res) => {
        const body = await readBody(req, MAX_FEEDBACK_BYTES);
        if (body === null)
          return send(res, 413, { ok: false, error: `body over ${MAX_FEEDBACK_BYTES} bytes` });
        const t = target();
        if (t === null) return send(res, 503, { ok: false, error: "the agent is not running" });
        const m = parseFeedback(body);
        if (typeof m === "string") return send(res, 400, { ok: false, error: m });
        const r = t.feedback(m, "http");
        const status = r.ok ? 200 : r.error?.startsWith("unknown episode") ? 404 : 503;
        return send(
          res,
          status,
          r.ok ? { ok: true, episodeId: r.episodeId } : { ok: false, episodeId: r.episodeId, error: r.error },
        );
      },
    },
    {
      method: "GET",
      path: "/feedback/precision",
      handle: async (_req, res) => {
        const t = target();
        if (t === null) return send(res, 503, { error: "the agent is not running" });
        send(res, 200, { precision: t.precision() });
      },
    },
  ];
}

/**
 * A request handler for servers that route themselves: answers the feedback routes and returns
 * true, or returns false for any other path (the caller goes on to its own).
 */
export async function handleFeedbackHttp(
  req: IncomingMessage,
  res: ServerResponse,
  target: () => FeedbackTarget | null,
): Promise<boolean> {
  const path = (req.url ?? "/").split("?")[0];
  const route = feedbackRoutes(target).find((r) => r.path === path);
  if (route === undefined) return false;
  if (req.method !== route.method) {
    res.writeHead(405, { allow: route.method }).end();
    return true;
  }
  await route.handle(req, res);
  return true;
}
