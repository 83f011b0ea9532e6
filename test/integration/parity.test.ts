import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../src/agent.js";
import { loadConfig } from "../../src/config/load-config.js";
import { readCwruManifest, readCwruSignal } from "../../src/datasets/cwru-manifest.js";
import { evaluateModelReport } from "../../src/eval/evaluate-model.js";
import { loadModel, releaseModel } from "../../src/inference/load-model.js";
import { createLogger } from "../../src/ops/logger.js";
import { replay, signalReadings } from "../../src/pipeline/replay-runner.js";
import type { PointContext, TelemetrySink } from "../../src/sinks/telemetry-sink.js";
import { featureRows } from "../../src/training/bearing-windows.js";
import { waitFor } from "../helpers/collect.js";
import { Mosquitto } from "../helpers/mosquitto.js";
import { haveTool } from "../helpers/required-tool.js";
import { DATASETS, haveDataset } from "../helpers/shared-data.js";
import { tempDir } from "../helpers/temp-dir.js";

const CWRU = join(DATASETS, "cwru-12k-de");
const PICK = ["outer_race", "inner_race", "ball", "normal"];

/** Keeps a copy of every feature row the agent computes (a real sink, in memory). */
class CaptureSink implements TelemetrySink {
  readonly name = "capture";
  readonly rows: { ts: number; values: Float32Array }[] = [];
  async start() {}
  async stop() {}
  features(_c: PointContext, tsMs: number, _n: readonly string[], values: Float32Array) {
    this.rows.push({ ts: tsMs, values: values.slice() });
  }
  prediction() {}
  advice() {}
  health() {
    return { ok: true, detail: "" };
  }
}

describe.skipIf(!haveDataset("cwru-12k-de") || !haveTool("mosquitto"))(
  "training, eval, replay and the live agent agree",
  () => {
    let broker: Mosquitto;
    let dir: ReturnType<typeof tempDir>;
    beforeAll(async () => {
      broker = await Mosquitto.start();
      dir = tempDir({
        "fleet.yaml": `
agent: { id: parity }
mqtt: { url: "\${MQTT_URL}", clientId: parity-agent }
topicPrefix: factory
sites:
  - id: s1
    assets:
      - { id: a1, profile: cwru-6205-de, overrides: { model: { params: { shaftRpm: 1796 } }, transport: { qos: 1 } } }
`,
      });
    });
    afterAll(async () => {
      await broker.close();
      dir.cleanup();
    });

    it("computes bit-identical features in the training code and in the agent fed over MQTT", async () => {
      const m = await readCwruManifest(CWRU);
      const rec = m.recordings.find((r) => r.label === "outer_race" && r.rpm === 1796)!;
      const samples = await readCwruSignal(m, rec);
      const model = await loadModel(join(process.cwd(), "models/bearing-vibration"));
      const features = model.manifest.input.features;
      const params = model.manifest.input.params;
      await releaseModel(model);
      const W = 2048;
      const N = 12;
      const training = featureRows([{ index: 0, rec, samples }], features, params, [...PICK], () => ({
        windowSamples: W,
        hopSamples: W,
        to: W * N,
      }));

      const sink = new CaptureSink();
      const config = loadConfig(dir.path("fleet.yaml"), { MQTT_URL: broker.url });
      const agent = new Agent({ config, log: createLogger({ level: "silent" }), sinks: [sink] });
      await agent.start();
      const c = await mqtt.connectAsync(broker.url, { clientId: "parity-pub" });
      try {
        for (let i = 0; i < N; i++) {
          const block = samples.subarray(i * W, (i + 1) * W);
          // Every float32 sample printed so that it parses back to the same float32.
          const payload = `{"ts":${1_700_000_000_000 + i * (W / 12)},"fs":12000,"samples":[${Array.from(block).join(",")}]}`;
          await c.publishAsync("factory/s1/a1/vibration", payload, { qos: 1 });
        }
        expect(await waitFor(() => sink.rows.length === N, 10_000)).toBe(true);
      } finally {
        await c.endAsync();
        await agent.stop(2000);
      }
      const d = features.length;
      for (let i = 0; i < N; i++) {
        const want = training.X.subarray(i * d, (i + 1) * d);
        const got = sink.rows[i]!.values;
        expect(Buffer.from(got.buffer).equals(Buffer.from(want.slice().buffer)), `window ${i}`).toBe(true);
      }
    });

    it("gives the same figures through `edge-agent eval` and through replay of the same recordings", async () => {
      const m = await readCwruManifest(CWRU);
      const picked = PICK.map(
        (label) => m.recordings.find((r) => r.label === label && (r.loadHp ?? 0) === 0)!,
      );
      // A dataset folder in the same format with just these recordings.
      const sub = dir.path("cwru-subset");
      mkdirSync(join(sub, "signals"), { recursive: true });
      for (const r of picked) symlinkSync(join(CWRU, r.file), join(sub, r.file));
      const raw = (await import(join(CWRU, "manifest.json"), { with: { type: "json" } })).default as {
        recordings: { file: string }[];
      };
      writeFileSync(
        join(sub, "manifest.json"),
        JSON.stringify({
          ...raw,
          recordings: raw.recordings.filter((r) => picked.some((p) => p.file === r.file)),
        }),
      );
      const report = await evaluateModelReport(join(process.cwd(), "models/bearing-vibration"), sub);
      const metrics = report.metrics as { confusion: number[][]; labels: string[] };

      const config = loadConfig(dir.path("fleet.yaml"), { MQTT_URL: broker.url });
      const base = config.assets[0]!;
      const model = await loadModel(base.modelDir);
      const labels = model.manifest.output.labels;
      const confusion = labels.map(() => labels.map(() => 0));
      try {
        for (const r of picked) {
          const asset = {
            ...base,
            profile: { ...base.profile, model: { ...base.profile.model, params: { shaftRpm: r.rpm } } },
          };
          const signal = await readCwruSignal(m, r);
          const res = await replay(asset, model, signalReadings(signal, "vibration", 12000, 0, 2048));
          for (const [cls, n] of Object.entries(res.classCounts))
            confusion[labels.indexOf(r.label)]![labels.indexOf(cls)]! += n;
        }
      } finally {
        await releaseModel(model);
      }
      expect(metrics.labels ?? labels).toEqual(labels);
      expect(confusion).toEqual(metrics.confusion);
      expect(confusion.flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
    });
  },
);
