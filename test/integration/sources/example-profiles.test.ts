import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, type ResolvedAsset } from "../../../src/config/load-config.js";
import {
  checkProfileFit,
  type LoadedModel,
  loadModel,
  releaseModel,
} from "../../../src/inference/load-model.js";
import { AssetPipeline } from "../../../src/pipeline/asset-pipeline.js";
import {
  SerialSensorSim,
  type SerialSimFormat,
  SIM_FRAME_FORMAT,
} from "../../../src/sim/serial-sensor-sim.js";
import { FrameParser } from "../../../src/sources/frame-parser.js";
import { LineSplitter } from "../../../src/sources/line-splitter.js";
import { encodeRaw, planReads, registerValue } from "../../../src/sources/modbus-registers.js";
import type { Reading } from "../../../src/types.js";
import { ROOT } from "../../helpers/agent-process.js";
import { tempDir } from "../../helpers/temp-dir.js";

const PROFILES = [
  "example-serial-accelerometer",
  "example-serial-accelerometer-frames",
  "example-serial-mill",
  "example-modbus-mill",
];

describe("the shipped serial and Modbus example profiles", () => {
  const dir = tempDir();
  const models: LoadedModel[] = [];
  afterAll(async () => {
    for (const m of models) await releaseModel(m);
    dir.cleanup();
  });

  function resolve(profile: string): ResolvedAsset {
    const fleet = `
agent: { id: examples }
mqtt: { url: "mqtt://127.0.0.1:1" }
profilesDir: ${join(ROOT, "device-profiles")}
sites: [{ id: s1, assets: [{ id: a1, profile: ${profile} }] }]
`;
    writeFileSync(join(dir.dir, `${profile}.yaml`), fleet);
    const config = loadConfig(join(dir.dir, `${profile}.yaml`));
    expect(config.profileIssues).toEqual([]);
    return config.assets[0]!;
  }

  async function pipeline(asset: ResolvedAsset): Promise<AssetPipeline> {
    const model = await loadModel(asset.modelDir);
    models.push(model);
    const p = asset.profile;
    const rate = p.windowing.type === "time" ? undefined : Object.values(p.channels)[0]?.sampleRateHz;
    expect(
      checkProfileFit(
        model,
        p.model.features,
        p.windowing.type === "time" ? undefined : p.windowing.samples,
        rate,
      ),
    ).toEqual([]);
    return new AssetPipeline(asset, model, "factory", (reason, detail) => {
      throw new Error(`bad window: ${reason} ${detail}`);
    });
  }

  it.each(PROFILES)("%s loads, fits its model and builds a pipeline", async (name) => {
    const asset = resolve(name);
    expect(["serial", "modbus"]).toContain(asset.profile.transport.type);
    await pipeline(asset);
  });

  it.each<[string, SerialSimFormat, number]>([
    ["example-serial-accelerometer", "json", 10],
    ["example-serial-accelerometer-frames", "frame", 10],
    ["example-serial-mill", "csv", 10],
  ])(
    "%s reads what `simulate --serial --format %s` writes: windows, no discards",
    async (name, format, seconds) => {
      const asset = resolve(name);
      const p = await pipeline(asset);
      const t = asset.profile.transport;
      if (t.type !== "serial") throw new Error("not serial");
      const framer =
        t.framing.type === "lines"
          ? new LineSplitter({ maxLineBytes: t.framing.maxLineBytes, skipFirstLine: false })
          : new FrameParser({ ...SIM_FRAME_FORMAT, maxPayloadBytes: t.framing.maxPayloadBytes });
      const sim = new SerialSensorSim({ format });
      let rows = 0;
      const t0 = 1_732_862_400_000;
      for (let k = 0; k * sim.periodMs < seconds * 1000; k++) {
        const now = t0 + k * sim.periodMs;
        for (const e of framer.push(sim.next(now, (k * sim.periodMs) / 1000))) {
          expect(e.kind).not.toBe("discard");
          if (e.kind !== "discard") expect(p.ingest(e.payload, now, () => rows++)).toBeNull();
        }
        p.tick(now, () => rows++);
      }
      expect(p.counters.discarded).toBe(0);
      // 12 kHz / 2048 samples ≈ 5.9 windows a second; the mill: one time window a second.
      expect(rows).toBeGreaterThanOrEqual(
        format === "csv" ? seconds - 1 : Math.floor((seconds * 12000) / 2048) - 1,
      );
    },
  );

  it("example-modbus-mill's register map decodes a PLC's words into the channels the model needs", async () => {
    const asset = resolve("example-modbus-mill");
    const p = await pipeline(asset);
    const t = asset.profile.transport;
    if (t.type !== "modbus") throw new Error("not modbus");
    const plc = t.devices.plc!;
    const blocks = planReads(plc.registers);
    expect(blocks.map((b) => `${b.function}@${b.address}+${b.count}`)).toEqual([
      "holding@100+1",
      "input@0+6",
    ]);
    const input = [2981, 3086, 1551, 428, ...encodeRaw(123, "uint32", "big")];
    const values = Object.fromEntries(
      blocks.flatMap((b) =>
        b.items.map((i) => [i.channel, registerValue(b.function === "input" ? input : [1], i)]),
      ),
    );
    const expected = {
      air_temp_k: 298.1,
      process_temp_k: 308.6,
      rpm: 1551,
      torque_nm: 42.8,
      tool_wear_min: 123,
      type_code: 1,
    };
    expect(Object.keys(values).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expect(values[k]).toBeCloseTo(v, 9);
    let rows = 0;
    const readings: Reading[] = Object.entries(values).map(([channel, v]) => ({
      channel,
      tsMs: 1_732_862_400_100,
      sampleRateHz: Number.NaN,
      samples: Float32Array.of(v),
    }));
    p.ingestReadings(readings, () => rows++);
    p.tick(1_732_862_401_000, () => rows++);
    expect(rows).toBe(1);
  });
});
