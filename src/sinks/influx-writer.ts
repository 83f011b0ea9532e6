import { InfluxDB } from "@influxdata/influxdb-client";

export interface InfluxWriterOptions {
  readonly url: string;
  readonly org: string;
  readonly bucket: string;
  readonly token?: string;
  readonly timeoutMs: number;
  /** Bodies longer than this are gzipped; -1: never. */
  readonly gzipThresholdBytes: number;
  /** PEM text of the CA that signs the server's certificate. */
  readonly ca?: string;
  readonly rejectUnauthorized?: boolean;
}

/** The write precision of every line the agent sends: integer milliseconds. */
export const WRITE_PRECISION = "ms";

/**
 * One HTTP write of a line-protocol body to `/api/v2/write`, through the transport of
 * @influxdata/influxdb-client (its URL handling, token header, gzip, TLS options and error
 * types). The client's WriteApi is not used: it batches and retries in memory, where a batch
 * is gone when the process dies; the sink batches itself and keeps failed batches in its spool.
 */
export class InfluxWriter {
  private readonly opts: InfluxWriterOptions;
  private readonly client: InfluxDB;
  private readonly path: string;

  constructor(opts: InfluxWriterOptions) {
    this.opts = opts;
    this.client = new InfluxDB({
      url: opts.url,
      token: opts.token,
      timeout: opts.timeoutMs,
      transportOptions: {
        ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
        ...(opts.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      },
    });
    const q = new URLSearchParams();
    if (opts.org !== "") q.set("org", opts.org);
    q.set("bucket", opts.bucket);
    q.set("precision", WRITE_PRECISION);
    this.path = `/api/v2/write?${q.toString()}`;
  }

  /**
   * Sends `body` (lines joined by "\n"). Resolves on 2xx; rejects with the client's HttpError,
   * an AbortError after `timeoutMs` or when `signal` aborts, or the socket's error.
   */
  async write(body: string, signal?: AbortSignal): Promise<void> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.opts.timeoutMs);
    const onAbort = () => ac.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) ac.abort();
    try {
      await this.client.transport.request(this.path, body, {
        method: "POST",
        headers: { "content-type": "text/plain; charset=utf-8", accept: "application/json" },
        ...(this.opts.gzipThresholdBytes >= 0 ? { gzipThreshold: this.opts.gzipThresholdBytes } : {}),
        signal: ac.signal,
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
