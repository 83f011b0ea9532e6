import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CaptureCollector, type CaptureRequest } from "../../../src/capture/capture-collector.js";
import { CaptureStore, readCapture } from "../../../src/capture/capture-store.js";
import { RawRing } from "../../../src/capture/raw-ring.js";
import type { Advice, Window } from "../../../src/types.js";
import { tempDir } from "../../helpers/temp-dir.js";

const win = (i: number, n = 4): Window => ({
  channel: "v",
  t0Ms: i * 10,
  tsMs: i * 10 + 10,
  sampleRateHz: 400,
  channels: { v: new Float32Array(n).fill(i) },
});

function advice(windowTsMs: number, changedAtMs = 1_700_000_000_000, episodeId = "s1.a1.m.x"): Advice {
  return {
    site: "s1",
    asset: "a1",
    model: "m",
    modelVersion: "1",
    fault: "fault",
    severity: "alarm",
    confidence: 0.9,
    action: "",
    windowTsMs,
    changedAtMs,
    episodeId,
    previousFault: "normal",
    previousSeverity: "ok",
    transition: "raise",
    value: Number.NaN,
  };
}

describe("the raw window ring", () => {
  it("keeps the last `capacity` windows as copies, oldest first, reusing its buffers", () => {
    const ring = new RawRing(["v"], 3);
    const w = win(0);
    ring.push(w);
    w.channels.v!.fill(99); // the caller reuses its buffer: the ring kept a copy
    for (let i = 1; i < 5; i++) ring.push(win(i));
    expect(ring.take().map((c) => c.channels.v![0])).toEqual([2, 3, 4]);
    expect(ring.take((ts) => ts <= 40).map((c) => c.tsMs)).toEqual([30, 40]);
  });
});

describe("capture around an advice change", () => {
  it("saves N windows before the change's window and N after it, together", () => {
    const c = new CaptureCollector(["v"], 3, 2);
    const done: CaptureRequest[] = [];
    for (let i = 0; i < 10; i++) c.push(win(i), (r) => done.push(r));
    // The advice was made on window 8 (tsMs 90) and arrives after window 9 was pushed.
    c.onChange(advice(90), 0, (r) => done.push(r));
    expect(done).toHaveLength(0);
    c.push(win(10), (r) => done.push(r));
    expect(done).toHaveLength(1);
    expect(done[0]!.windows.map((w) => w.channels.v![0])).toEqual([6, 7, 8, 9, 10]);
  });

  it("flushes a capture that waits too long with what it has", () => {
    const c = new CaptureCollector(["v"], 2, 5);
    const done: CaptureRequest[] = [];
    for (let i = 0; i < 3; i++) c.push(win(i), () => {});
    c.onChange(advice(30), 1000, (r) => done.push(r));
    c.flush((r) => done.push(r), 500);
    expect(done).toHaveLength(0);
    c.flush((r) => done.push(r), 1001);
    expect(done[0]!.windows.map((w) => w.channels.v![0])).toEqual([1, 2]);
  });
});

describe("the capture folder", () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir.cleanup());

  it("writes float32 files and a description that read back the same", async () => {
    dir = tempDir();
    const store = new CaptureStore(dir.path("cap"), 1 << 20);
    await store.start();
    const path = await store.save(
      advice(20),
      [win(1), win(2), win(3)].map((w) => ({ ...w, channels: { v: w.channels.v! } })),
    );
    expect(path).not.toBeNull();
    const back = await readCapture(path!);
    expect(back.meta).toMatchObject({ episodeId: "s1.a1.m.x", transition: "raise", windowTsMs: 20 });
    expect(back.windows.map((w) => [w.meta.when, w.channels.v![0]])).toEqual([
      ["before", 1],
      ["after", 2],
      ["after", 3],
    ]);
  });

  it("stays within its bound by deleting the oldest captures first, counting what is already on disk", async () => {
    dir = tempDir();
    const big = (i: number): Window => win(i, 1000); // 4000 bytes per window
    const first = new CaptureStore(dir.path("cap"), 20_000);
    await first.start();
    for (let k = 0; k < 3; k++) await first.save(advice(0, 1_700_000_000_000 + k * 1000, `e${k}`), [big(k)]);
    // A new store (an agent restart) over the same folder, with a smaller bound.
    const again = new CaptureStore(dir.path("cap"), 9_000);
    await again.start();
    expect(again.counts.deleted).toBe(1);
    await again.save(advice(0, 1_700_000_000_000 + 5000, "e5"), [big(5)]);
    const left = readdirSync(join(dir.path("cap"), "s1", "a1")).map((n) => n.split("_").at(-1));
    expect(left).toEqual(["e2", "e5"]);
    expect(again.bytes).toBeLessThanOrEqual(9_000);
  });
});
