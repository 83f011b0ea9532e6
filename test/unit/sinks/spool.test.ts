import { afterEach, describe, expect, it } from "vitest";
import { BATCH_OVERHEAD_BYTES, Spool } from "../../../src/sinks/spool.js";
import { tempDir } from "../../helpers/temp-dir.js";

const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function spoolIn(maxBytes = 1 << 30): { spool: Spool; path: string } {
  const d = tempDir();
  dirs.push(d);
  const path = d.path("state/spool.db");
  const spool = new Spool({ path, maxBytes });
  spool.open();
  return { spool, path };
}

function lines(from: number, n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `features,asset=a1 seq=${from + i} ${1_700_000_000_000 + from + i}`,
  );
}

async function drain(spool: Spool): Promise<{ kind: string; body: string }[]> {
  const out: { kind: string; body: string }[] = [];
  for (let h = await spool.head(); h !== null; h = await spool.head()) {
    out.push({ kind: h.kind, body: h.body });
    spool.remove(h.id);
  }
  return out;
}

describe("the spool", () => {
  it("gives batches back oldest first, advice before telemetry, and still holds them after a reopen", async () => {
    const { spool, path } = spoolIn();
    await spool.append(lines(0, 3), "telemetry");
    spool.appendSync(['advice,asset=a1 fault="outer" 1'], "advice");
    await spool.append(lines(3, 2), "telemetry");
    spool.close();
    const again = new Spool({ path, maxBytes: 1 << 30 });
    again.open();
    expect(again.stats()).toMatchObject({ batches: 3, points: 6 });
    expect(await drain(again)).toEqual([
      { kind: "advice", body: 'advice,asset=a1 fault="outer" 1' },
      { kind: "telemetry", body: lines(0, 3).join("\n") },
      { kind: "telemetry", body: lines(3, 2).join("\n") },
    ]);
    expect(again.stats()).toMatchObject({ batches: 0, points: 0, bytes: 0, oldestSpooledAtMs: null });
    again.close();
  });

  it("keeps appends in the order they were made although they compress in parallel", async () => {
    const { spool } = spoolIn();
    await Promise.all(Array.from({ length: 20 }, (_, i) => spool.append(lines(i * 100, 100), "telemetry")));
    const got = await drain(spool);
    expect(got.map((b) => Number(/seq=(\d+)/.exec(b.body)?.[1]))).toEqual(
      Array.from({ length: 20 }, (_, i) => i * 100),
    );
    spool.close();
  });

  it("puts a batch spooled late (after its write failed) back in the order it was made", async () => {
    const { spool } = spoolIn();
    const early = spool.reserve();
    await spool.append(lines(100, 10), "telemetry");
    await spool.append(lines(0, 10), "telemetry", early);
    const got = await drain(spool);
    expect(got.map((b) => Number(/seq=(\d+)/.exec(b.body)?.[1]))).toEqual([0, 100]);
    spool.close();
  });

  it("when full, drops the oldest telemetry and counts it, keeps every advice, and remembers the count", async () => {
    const probe = spoolIn();
    await probe.spool.append(lines(0, 50), "telemetry");
    const oneBatch = probe.spool.stats().usedBytes;
    probe.spool.close();

    const { spool, path } = spoolIn(oneBatch * 3 + BATCH_OVERHEAD_BYTES * 4);
    spool.appendSync(['advice,asset=a1 fault="x" 1'], "advice");
    for (let i = 0; i < 6; i++) await spool.append(lines(i * 50, 50), "telemetry");
    spool.appendSync(['advice,asset=a1 fault="y" 2'], "advice");
    const s = spool.stats();
    expect(s.usedBytes).toBeLessThanOrEqual(s.maxBytes);
    expect(s.droppedPoints).toBeGreaterThan(0);
    spool.close();

    const again = new Spool({ path, maxBytes: s.maxBytes });
    again.open();
    expect(again.stats().droppedPoints).toBe(s.droppedPoints);
    const got = await drain(again);
    expect(got.filter((b) => b.kind === "advice")).toHaveLength(2);
    const kept = got.filter((b) => b.kind === "telemetry").map((b) => Number(/seq=(\d+)/.exec(b.body)?.[1]));
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept).toEqual([0, 50, 100, 150, 200, 250].slice(6 - kept.length));
    expect(s.droppedPoints).toBe(300 - kept.length * 50);
    again.close();
  });

  it("refuses a telemetry batch larger than the whole bound, and counts its points as dropped", async () => {
    const { spool } = spoolIn(200);
    const r = await spool.append(lines(0, 500), "telemetry");
    expect(r).toEqual({ droppedPoints: 500, refused: true });
    expect(spool.stats()).toMatchObject({ batches: 0, droppedPoints: 500 });
    spool.close();
  });

  it("does not drop the batch that is being sent", async () => {
    const probe = spoolIn();
    await probe.spool.append(lines(0, 50), "telemetry");
    const oneBatch = probe.spool.stats().usedBytes;
    probe.spool.close();
    const { spool } = spoolIn(oneBatch * 2 + 10);
    await spool.append(lines(0, 50), "telemetry");
    const head = await spool.head();
    spool.protectedId = head!.id;
    await spool.append(lines(50, 50), "telemetry");
    await spool.append(lines(100, 50), "telemetry");
    expect((await spool.head())!.id).toBe(head!.id);
    spool.close();
  });

  it("reports EA_SPOOL_IO when its folder cannot be created", () => {
    const d = tempDir({ "file.txt": "x" });
    dirs.push(d);
    const spool = new Spool({ path: d.path("file.txt/spool.db"), maxBytes: 1000 });
    expect(() => spool.open()).toThrow(expect.objectContaining({ code: "EA_SPOOL_IO" }));
  });
});
