import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Writable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { influxSchema } from "../../../src/config/sinks-schema.js";
import { createLogger } from "../../../src/ops/logger.js";
import { InfluxSink } from "../../../src/sinks/influx-sink.js";
import type { PointContext } from "../../../src/sinks/telemetry-sink.js";
import { waitFor } from "../../helpers/collect.js";
import { tempDir } from "../../helpers/temp-dir.js";

interface Req {
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

/** An HTTP server on loopback that answers /api/v2/write as the test says, and records what came. */
class FakeInflux {
  readonly requests: Req[] = [];
  answer: (req: Req, res: ServerResponse) => void = (_q, res) => res.writeHead(204).end();
  private server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks);
        const body = (req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
        const r = { url: req.url ?? "", headers: req.headers, body };
        this.requests.push(r);
        this.answer(r, res);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    const a = this.server.address();
    this.port = typeof a === "object" && a !== null ? a.port : 0;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  seqs(): number[] {
    return this.requests.flatMap((r) => [...r.body.matchAll(/seq=(\d+)/g)].map((m) => Number(m[1])));
  }
}

const ctx: PointContext = {
  asset: { site: "s1", asset: "a1", key: "s1/a1" },
  profile: "step",
  model: "m",
  modelVersion: "1",
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(over: Record<string, unknown> = {}) {
  const server = new FakeInflux();
  await server.start();
  const dir = tempDir();
  const logs: { level: number; msg: string; code?: string; retryInMs?: number }[] = [];
  const log = createLogger({
    level: "info",
    destination: new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split("\n")) if (l !== "") logs.push(JSON.parse(l));
        cb();
      },
    }),
  });
  const sink = new InfluxSink({
    config: influxSchema.parse({
      url: `http://127.0.0.1:${server.port}`,
      org: "plant",
      bucket: "edge",
      flushIntervalMs: 20,
      batchPoints: 10,
      timeoutMs: 300,
      retry: { minMs: 50, maxMs: 200, jitter: 0 },
      metricsIntervalS: 0,
      ...over,
    }),
    spoolPath: dir.path("spool.db"),
    token: "s3cret",
    agentId: "t",
    log,
  });
  await sink.start();
  cleanups.push(
    dir.cleanup,
    () => server.close(),
    () => sink.stop(1000),
  );
  let seq = 0;
  const push = (n: number) => {
    for (let i = 0; i < n; i++, seq++)
      sink.features(ctx, 1_700_000_000_000 + seq, ["seq"], new Float32Array([seq]));
  };
  return { server, sink, logs, push };
}

describe("the InfluxDB sink against an HTTP server on loopback", () => {
  it("posts line protocol to /api/v2/write with org, bucket, ms precision, the token, and gzip above the threshold", async () => {
    const { server, sink, push } = await setup({ gzipThresholdBytes: 200 });
    push(1);
    await sink.flush();
    push(10);
    await sink.flush();
    const [small, big] = server.requests;
    expect(small!.url).toBe("/api/v2/write?org=plant&bucket=edge&precision=ms");
    expect(small!.headers.authorization).toBe("Token s3cret");
    expect(small!.headers["content-encoding"]).toBeUndefined();
    expect(small!.body).toBe(
      "features,asset=a1,model=m,model_version=1,profile=step,site=s1 seq=0 1700000000000",
    );
    expect(big!.headers["content-encoding"]).toBe("gzip");
    expect(server.seqs()).toEqual(Array.from({ length: 11 }, (_, i) => i));
  });

  it("drops a batch answered 400 (a partial write), counts its points and never sends it again", async () => {
    const { server, sink, push, logs } = await setup();
    server.answer = (_q, res) =>
      res
        .writeHead(400, { "content-type": "application/json" })
        .end('{"code":"invalid","message":"partial write: field type conflict"}');
    push(10);
    await sink.flush();
    server.answer = (_q, res) => res.writeHead(204).end();
    push(10);
    await sink.flush();
    expect(server.requests).toHaveLength(2);
    expect(sink.status()).toMatchObject({ rejected: 10, written: 10, spooledPoints: 0, state: "ok" });
    expect(logs.find((l) => l.code === "EA_INFLUX_REJECTED")?.msg).toMatch(/bad data/);
  });

  it("spools while the token is refused (401), reports failing, and writes everything once the server takes it", async () => {
    const { server, sink, push, logs } = await setup();
    server.answer = (_q, res) =>
      res.writeHead(401, { "content-type": "application/json" }).end('{"message":"unauthorized access"}');
    push(30);
    await sink.flush();
    expect(sink.health().ok).toBe(false);
    expect(sink.status().state).toBe("failing");
    expect(sink.status().spooledPoints).toBe(30);
    expect(logs.filter((l) => l.code === "EA_INFLUX_REFUSED")).toHaveLength(1);
    server.requests.length = 0;
    server.answer = (_q, res) => res.writeHead(204).end();
    expect(await waitFor(() => sink.status().spooledPoints === 0, 3000)).toBe(true);
    expect(sink.status().state).toBe("ok");
    expect(server.seqs()).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it("counts a server that does not answer within timeoutMs as down, and keeps the batch", async () => {
    const { server, sink, push, logs } = await setup();
    server.answer = () => {}; // never answers
    push(10);
    await sink.flush();
    expect(sink.status()).toMatchObject({ state: "spooling", spooledPoints: 10 });
    expect(logs.find((l) => l.code === "EA_INFLUX_UNREACHABLE")).toBeDefined();
    server.answer = (_q, res) => res.writeHead(204).end();
    expect(await waitFor(() => sink.status().spooledPoints === 0, 3000)).toBe(true);
  });

  it("waits at least the Retry-After of a 503 before trying again", async () => {
    const { server, sink, push, logs } = await setup();
    server.answer = (_q, res) => res.writeHead(503, { "retry-after": "2" }).end();
    push(10);
    await sink.flush();
    expect(logs.find((l) => l.code === "EA_INFLUX_UNREACHABLE")?.retryInMs).toBeGreaterThanOrEqual(2000);
  });

  it("when the spool is full, drops the oldest telemetry, says so once and reports failing", async () => {
    const { server, sink, push, logs } = await setup({ spoolMaxMB: 0.002 });
    server.answer = (_q, res) => res.writeHead(503).end();
    for (let i = 0; i < 40; i++) {
      push(10);
      await sink.flush();
    }
    const s = sink.status();
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.spooled - s.dropped).toBe(s.spooledPoints);
    expect(s.spoolBytes).toBeLessThanOrEqual(0.002 * 1048576);
    expect(s.state).toBe("failing");
    expect(sink.health()).toMatchObject({ ok: false });
    expect(logs.filter((l) => l.code === "EA_SPOOL_FULL")).toHaveLength(1);
  });

  it("writes the agent's own metrics as edge_agent points tagged with the agent id", async () => {
    const { server } = await setup({ metricsIntervalS: 0.05 });
    expect(
      await waitFor(() => server.requests.some((r) => r.body.includes("edge_agent,agent=t ")), 3000),
    ).toBe(true);
    const line = server.requests.map((r) => r.body).find((b) => b.startsWith("edge_agent"))!;
    expect(line).toMatch(/^edge_agent,agent=t .*influx_written=\d+.*spool_points=0.*sink_state=0 \d+$/);
  });

  it("after an outage, replays the spooled points oldest first, each once, and sends live batches between them", async () => {
    const { server, sink, push } = await setup({ replayPointsPerS: 100 });
    server.answer = (_q, res) => res.writeHead(503).end();
    for (let i = 0; i < 10; i++) {
      push(10);
      await sink.flush();
    }
    server.requests.length = 0;
    server.answer = (_q, res) => res.writeHead(204).end();
    const live = setInterval(() => push(10), 30);
    cleanups.push(() => clearInterval(live));
    expect(
      await waitFor(() => sink.status().spooledPoints === 0 && sink.status().state === "ok", 10_000),
    ).toBe(true);
    clearInterval(live);
    await sink.flush();
    const got = server.seqs().filter((s) => s < 100);
    const replayedAt = server.seqs().map((s, i) => [s, i] as const);
    expect(new Set(got).size).toBe(got.length);
    expect(got).toEqual([...got].sort((a, b) => a - b));
    expect(got.length).toBe(100);
    const lastReplayed = Math.max(...replayedAt.filter(([s]) => s < 100).map(([, i]) => i));
    const firstLive = Math.min(...replayedAt.filter(([s]) => s >= 100).map(([, i]) => i));
    expect(firstLive).toBeLessThan(lastReplayed);
  });
});
