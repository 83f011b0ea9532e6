import { Writable } from "node:stream";
import { HttpError } from "@influxdata/influxdb-client";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/ops/logger.js";
import { Spool } from "../../../src/sinks/spool.js";
import { type BatchWriter, StoreAndForward } from "../../../src/sinks/store-and-forward.js";
import { waitFor } from "../../helpers/collect.js";
import { tempDir } from "../../helpers/temp-dir.js";

type Mode = "ok" | "down" | "bad" | "auth" | "hang";

/** A writer whose answer the test sets; it records what it took, in order. */
class ScriptedWriter implements BatchWriter {
  mode: Mode = "ok";
  readonly taken: string[] = [];
  calls = 0;
  async write(body: string, signal?: AbortSignal): Promise<void> {
    this.calls++;
    await new Promise((r) => setImmediate(r));
    switch (this.mode) {
      case "ok":
        this.taken.push(body);
        return;
      case "down":
        throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      case "bad":
        throw new HttpError(400, "Bad Request", '{"message":"partial write"}', null, "application/json");
      case "auth":
        throw new HttpError(
          401,
          "Unauthorized",
          '{"message":"unauthorized access"}',
          null,
          "application/json",
        );
      case "hang":
        await new Promise((_r, reject) =>
          signal?.addEventListener("abort", () => reject(new Error("aborted"))),
        );
    }
  }
}

const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function setup(replayPointsPerS = 1_000_000) {
  const d = tempDir();
  dirs.push(d);
  const spool = new Spool({ path: d.path("spool.db"), maxBytes: 1 << 30 });
  spool.open();
  const logLines: { level: number; msg: string; code?: string }[] = [];
  const log = createLogger({
    level: "info",
    destination: new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split("\n")) if (l !== "") logLines.push(JSON.parse(l));
        cb();
      },
    }),
  });
  const writer = new ScriptedWriter();
  const fwd = new StoreAndForward({
    writer,
    spool,
    log,
    retry: { minMs: 5, maxMs: 20, jitter: 0 },
    replayPointsPerS,
  });
  return { spool, writer, fwd, logLines, path: d.path("spool.db") };
}

const batch = (from: number, n = 10) => Array.from({ length: n }, (_, i) => `m seq=${from + i} ${from + i}`);
const seqs = (bodies: readonly string[]) =>
  bodies.flatMap((b) => b.split("\n").map((l) => Number(/seq=(\d+)/.exec(l)?.[1])));

describe("store and forward", () => {
  it("spools batches while the server is down and writes each point exactly once when it is back, replay in order", async () => {
    const { writer, fwd, spool } = setup(200);
    writer.mode = "down";
    for (let i = 0; i < 10; i++) await fwd.submit(batch(i * 10));
    expect(fwd.state).toBe("down");
    expect(spool.stats().points).toBe(100);
    writer.mode = "ok";
    for (let i = 10; i < 20; i++) {
      await fwd.submit(batch(i * 10));
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await waitFor(() => spool.stats().points === 0, 5000)).toBe(true);
    await fwd.flush();
    const got = seqs(writer.taken);
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const replayed = got.filter((s) => s < 100);
    expect(replayed).toEqual([...replayed].sort((a, b) => a - b));
    // live batches did not wait for the whole backlog: some live point went out before the last replayed one
    expect(got.findIndex((s) => s >= 100)).toBeLessThan(got.lastIndexOf(99));
    // (the first batches after the switch are spooled too: the sink learns the server is back at its next retry)
    expect(fwd.counters).toMatchObject({ written: 200, dropped: 0, lost: 0, rejected: 0 });
    expect(fwd.counters.replayed).toBe(fwd.counters.spooled);
    expect(fwd.counters.spooled).toBeGreaterThanOrEqual(100);
  });

  it("drops a batch the server rejects as bad data, counts it and does not send it again", async () => {
    const { writer, fwd, logLines, spool } = setup();
    writer.mode = "bad";
    await fwd.submit(batch(0));
    writer.mode = "ok";
    await fwd.submit(batch(10));
    await fwd.flush();
    expect(writer.calls).toBe(2);
    expect(seqs(writer.taken)).toEqual(batch(10).map((_, i) => 10 + i));
    expect(fwd.counters.rejected).toBe(10);
    expect(spool.stats().points).toBe(0);
    expect(logLines.filter((l) => l.code === "EA_INFLUX_REJECTED")).toHaveLength(1);
  });

  it("when the server refuses the token, logs one error, keeps the points in the spool and writes them once it is fixed", async () => {
    const { writer, fwd, logLines, spool } = setup();
    writer.mode = "auth";
    await fwd.submit(batch(0));
    await fwd.submit(batch(10));
    expect(fwd.state).toBe("refused");
    expect(spool.stats().points).toBe(20);
    expect(logLines.filter((l) => l.code === "EA_INFLUX_REFUSED")).toHaveLength(1);
    writer.mode = "ok";
    fwd.pump(); // retries wait retry.maxMs after a refusal
    expect(await waitFor(() => spool.stats().points === 0, 2000)).toBe(true);
    expect(seqs(writer.taken)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("replays a spooled advice before the telemetry backlog", async () => {
    const { writer, fwd: unused, spool } = setup();
    await unused.stop(Date.now());
    for (let i = 0; i < 3; i++) await spool.append(batch(i * 10), "telemetry");
    spool.appendSync(["advice seq=1000 5"], "advice");
    const fwd = new StoreAndForward({
      writer,
      spool,
      log: createLogger({ level: "silent" }),
      retry: { minMs: 5, maxMs: 20, jitter: 0 },
      replayPointsPerS: 10, // one 10-point batch per second
    });
    fwd.pump();
    expect(await waitFor(() => writer.taken.length >= 2, 3000)).toBe(true);
    expect(writer.taken[0]).toBe("advice seq=1000 5");
    expect(seqs(writer.taken.slice(1, 2))).toEqual(batch(0).map((_, i) => i));
    await fwd.stop(Date.now());
  });

  it("stops within its time bound while a write hangs, with everything it held in the spool", async () => {
    const { writer, fwd, path, spool } = setup();
    writer.mode = "hang";
    const first = fwd.submit(batch(0));
    await new Promise((r) => setTimeout(r, 20));
    void fwd.submit(batch(10));
    void fwd.submit(batch(20));
    // the write never ends by itself: stop returning at all means it gave up on it at its deadline
    await fwd.stop(Date.now() + 300);
    await first;
    spool.close();
    const again = new Spool({ path, maxBytes: 1 << 30 });
    again.open();
    expect(again.stats().points).toBe(30);
    again.close();
  });

  it("counts points as lost when there is no spool and the server is down", async () => {
    const { writer, spool } = setup();
    spool.close();
    const fwd = new StoreAndForward({
      writer,
      spool: null,
      log: createLogger({ level: "silent" }),
      retry: { minMs: 5, maxMs: 20, jitter: 0 },
      replayPointsPerS: 1000,
    });
    writer.mode = "down";
    await fwd.submit(batch(0));
    expect(fwd.counters).toMatchObject({ lost: 10, spooled: 0 });
  });
});
