import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { HealthReport } from "./health.js";

export interface OpsServerOptions {
  readonly host: string;
  /** 0: any free port (see `port` after start). */
  readonly port: number;
  readonly log: Logger;
  readonly health: () => HealthReport;
  readonly metrics: Registry;
  /** Other routes (POST /feedback): returns true when it answered the request. */
  readonly routes?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * The ops endpoint: `GET /healthz` (200 when every component is ok, else 503; JSON with the reason
 * per component) and `GET /metrics` (Prometheus text). A port that cannot be had is logged and the
 * agent runs on without it: monitoring must not stop the monitoring of machines.
 */
export class OpsServer {
  private readonly opts: OpsServerOptions;
  private server: Server | null = null;
  private _port = 0;

  constructor(opts: OpsServerOptions) {
    this.opts = opts;
  }

  get port(): number {
    return this._port;
  }

  /** Resolves with the port listened on, or null when listening failed (logged). */
  async start(): Promise<number | null> {
    const { host, port, log } = this.opts;
    if (!LOOPBACK.test(host)) {
      log.warn({ host }, "health/metrics endpoint listens beyond loopback: it has no authentication");
    }
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (err) {
      log.error(
        { host, port, err: (err as Error).message },
        "health/metrics endpoint not started (port taken?); the agent runs without it",
      );
      return null;
    }
    server.on("error", (err) => log.warn({ err: err.message }, "health/metrics endpoint error"));
    this.server = server;
    this._port = (server.address() as AddressInfo).port;
    log.info(
      { url: `http://${host.includes(":") ? `[${host}]` : host}:${this._port}` },
      "health and metrics endpoint listening (/healthz, /metrics)",
    );
    return this._port;
  }

  async stop(timeoutMs = 1000): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, timeoutMs);
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (this.opts.routes !== undefined && (await this.opts.routes(req, res))) return;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    try {
      if (path === "/healthz") {
        const report = this.opts.health();
        send(res, report.ok ? 200 : 503, "application/json", `${JSON.stringify(report, null, 1)}\n`);
      } else if (path === "/metrics") {
        const text = await this.opts.metrics.metrics();
        send(res, 200, this.opts.metrics.contentType, text);
      } else {
        send(res, 404, "text/plain", "not found: try /healthz or /metrics\n");
      }
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message, path }, "health/metrics request failed");
      send(res, 500, "text/plain", "internal error\n");
    }
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(res.req.method === "HEAD" ? undefined : body);
}
