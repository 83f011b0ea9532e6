import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCwruManifest, readCwruSignal } from "../../../src/datasets/cwru-manifest.js";
import { signalWindows } from "../../../src/datasets/cwru-windows.js";

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function tmp(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

function f32le(values: readonly number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    b.writeFloatLE(v, i * 4);
  });
  return b;
}

async function folder(recordings: object[], files: Record<string, Buffer>): Promise<string> {
  const dir = await tmp("cwru-");
  await mkdir(join(dir, "signals"));
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
  const manifest = {
    dataset: "mini",
    bearing_defect_orders: { inner_race: 5.4152, outer_race: 3.5848 },
    labels: ["normal", "inner_race"],
    recordings,
  };
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  return dir;
}

const SIGNAL = f32le([0.5, -0.25, 1.5, 2, -3, 0.125]);
const REC = {
  file: "signals/a.f32",
  label: "inner_race",
  fault_size_in: 0.007,
  or_position_oclock: null,
  load_hp: 1,
  rpm: 1772,
  sampling_rate_hz: 12000,
  sample_count: 6,
  sha256: createHash("sha256").update(SIGNAL).digest("hex"),
};

describe("CWRU-style manifest", () => {
  it("reads recordings with their metadata and the defect orders", async () => {
    const dir = await folder([REC], { "signals/a.f32": SIGNAL });
    const m = await readCwruManifest(dir);
    expect(m.labels).toEqual(["normal", "inner_race"]);
    expect(m.defectOrders.outer_race).toBe(3.5848);
    expect(m.recordings[0]).toMatchObject({
      label: "inner_race",
      faultSizeIn: 0.007,
      loadHp: 1,
      rpm: 1772,
      sampleRateHz: 12000,
    });
    const x = await readCwruSignal(m, m.recordings[0]!, { verifyHash: true });
    expect(Array.from(x)).toEqual([0.5, -0.25, 1.5, 2, -3, 0.125]);
  });

  it("names the field of a bad recording entry", async () => {
    const dir = await folder([REC, { ...REC, rpm: "fast" }], {});
    await expect(readCwruManifest(dir)).rejects.toThrow(/manifest\.json: recordings\[1\]\.rpm/);
    await expect(readCwruManifest(dir)).rejects.toMatchObject({ code: "EA_DATASET_FORMAT" });
  });

  it("refuses a label the manifest does not list", async () => {
    const dir = await folder([{ ...REC, label: "ball" }], {});
    await expect(readCwruManifest(dir)).rejects.toThrow(/recordings\[0\]\.label: "ball" is not in labels/);
  });

  it("refuses a recording whose size or hash differs from the manifest", async () => {
    const short = await folder([REC], { "signals/a.f32": SIGNAL.subarray(0, 20) });
    const m1 = await readCwruManifest(short);
    await expect(readCwruSignal(m1, m1.recordings[0]!)).rejects.toThrow(
      /expected 6 float32 samples \(24 bytes\), found 20/,
    );
    const altered = Buffer.from(SIGNAL);
    altered[0] = 1;
    const dir = await folder([REC], { "signals/a.f32": altered });
    const m2 = await readCwruManifest(dir);
    await expect(readCwruSignal(m2, m2.recordings[0]!, { verifyHash: true })).rejects.toMatchObject({
      code: "EA_DATASET_INTEGRITY",
    });
    await expect(readCwruSignal(m2, m2.recordings[0]!)).resolves.toHaveLength(6);
  });

  it("says which recording file is missing", async () => {
    const dir = await folder([REC], {});
    const m = await readCwruManifest(dir);
    await expect(readCwruSignal(m, m.recordings[0]!)).rejects.toMatchObject({ code: "EA_DATASET_NOT_FOUND" });
  });
});

describe("signal windows", () => {
  it("cuts consecutive blocks and drops a short tail", () => {
    const x = Float32Array.from({ length: 10 }, (_, i) => i);
    const w = signalWindows(x, { windowSamples: 4, sampleRateHz: 1000, channel: "de" });
    expect(w.map((v) => Array.from(v.channels.de!))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(w[1]).toMatchObject({ t0Ms: 4, tsMs: 8, sampleRateHz: 1000, channel: "de" });
  });

  it("overlaps windows when the hop is shorter than the window", () => {
    const x = new Float32Array(10);
    expect(
      signalWindows(x, { windowSamples: 4, hopSamples: 2, sampleRateHz: 1, channel: "de" }),
    ).toHaveLength(4);
  });

  it("keeps to samples [from, to) when given a range, stamping windows by their place in the recording", () => {
    const x = Float32Array.from({ length: 20 }, (_, i) => i);
    const w = signalWindows(x, {
      windowSamples: 4,
      hopSamples: 3,
      sampleRateHz: 1000,
      channel: "de",
      from: 5,
      to: 15,
    });
    expect(w.map((v) => Array.from(v.channels.de!))).toEqual([
      [5, 6, 7, 8],
      [8, 9, 10, 11],
      [11, 12, 13, 14],
    ]);
    expect(w[0]).toMatchObject({ t0Ms: 5, tsMs: 9 });
  });
});
