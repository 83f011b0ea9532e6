import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../../src/agent.js";
import { exportLabelsCommand } from "../../../src/cli/export-labels.js";
import { loadConfig } from "../../../src/config/load-config.js";
import { readCwruManifest } from "../../../src/datasets/cwru-manifest.js";
import { handleFeedbackHttp } from "../../../src/feedback/feedback-http.js";
import { createLogger } from "../../../src/ops/logger.js";
import { featureRows, loadRecordings } from "../../../src/training/bearing-windows.js";
import type { Advice } from "../../../src/types.js";
import { waitFor } from "../../helpers/collect.js";
import { Mosquitto } from "../../helpers/mosquitto.js";
import { haveTool } from "../../helpers/required-tool.js";
import { stepPayload, writeStepModel } from "../../helpers/step-model.js";
import { tempDir } from "../../helpers/temp-dir.js";

/** The step model's profile with raw capture on and a shaft speed (needed to train on raw windows). */
const PROFILE = `
transport: { type: mqtt, topic: "{prefix}/{site}/{asset}/vibration" }
codec: { type: json-block, samplesPerMessage: 256 }
channels:
  vibration: { unit: g, sampleRateHz: 1000 }
windowing: { type: block, samples: 256, gapToleranceMs: 1000000 }
model: { name: step, params: { shaftRpm: 1800 } }
advice:
  debounce: { k: 3, n: 5 }
  minHoldMs: 0
  cooldownMs: 0
  classes:
    normal: { severity: ok, action: "No action." }
    fault: { severity: alarm, action: "Stop and inspect." }
capture: { before: 4, after: 4 }
`;

const FLEET = `
agent: { id: loop-agent }
mqtt: { url: "\${MQTT_URL}", clientId: loop-agent, reconnect: { minMs: 100, maxMs: 1000 } }
topicPrefix: factory
profilesDir: profiles
modelsDir: models
sites:
  - id: s1
    assets:
      - { id: a1, profile: step }
`;

describe.skipIf(!haveTool("mosquitto"))("feedback round trip over a real Mosquitto", () => {
  let broker: Mosquitto;
  let dir: ReturnType<typeof tempDir>;
  let agent: Agent;
  let client: MqttClient;
  let http: Server;
  const advices: Advice[] = [];
  const results: Record<string, unknown>[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.start();
    dir = tempDir({ "profiles/step.yaml": PROFILE, "fleet.yaml": FLEET });
    writeStepModel(dir.path("models"));
    const config = loadConfig(dir.path("fleet.yaml"), { MQTT_URL: broker.url });
    agent = new Agent({ config, log: createLogger({ level: "silent" }), onAdvice: (a) => advices.push(a) });
    await agent.start();
    client = await mqtt.connectAsync(broker.url, { clientId: "loop-tech", protocolVersion: 5 });
    client.on("message", (t, p) => {
      if (t.endsWith("/feedback/result")) results.push(JSON.parse(p.toString()) as Record<string, unknown>);
    });
    await client.subscribeAsync("factory/+/+/feedback/result", { qos: 1 });
    // The ops server mounts this handler; here a bare loopback server stands in for it.
    http = createServer((req, res) => {
      void handleFeedbackHttp(req, res, () => agent.qualityLoop).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
  });
  afterAll(async () => {
    await client?.endAsync();
    await agent?.stop(2000);
    await new Promise((r) => http?.close(r));
    await broker?.close();
    dir?.cleanup();
  });

  it("joins MQTT and HTTP verdicts to the episodes and exports them as a dataset the training code reads", async () => {
    // Two fault episodes: 8 normal, 8 fault, 8 normal windows, twice (contiguous 256-sample blocks).
    let ts = 1_700_000_000_000;
    for (const level of [...Array(8).fill(0), ...Array(8).fill(1), ...Array(8).fill(0)].concat(
      Array(24).fill(0),
    )) {
      await client.publishAsync("factory/s1/a1/vibration", stepPayload(ts, level), { qos: 1 });
      ts += 256;
    }
    for (const level of [...Array(8).fill(1), ...Array(8).fill(0)]) {
      await client.publishAsync("factory/s1/a1/vibration", stepPayload(ts, level), { qos: 1 });
      ts += 256;
    }
    expect(await waitFor(() => advices.length >= 4, 10_000)).toBe(true);
    const [first, , second] = advices;
    expect([first?.transition, second?.transition]).toEqual(["raise", "raise"]);

    // The technician confirms the first over MQTT, with the fault code found.
    await client.publishAsync(
      "factory/s1/a1/feedback",
      JSON.stringify({ episodeId: first!.episodeId, verdict: "confirmed", faultCode: "fault", by: "jo" }),
      { qos: 1 },
    );
    // A malformed one is answered with the reason.
    await client.publishAsync(
      "factory/s1/a1/feedback",
      JSON.stringify({ episodeId: "x", verdict: "perhaps" }),
      { qos: 1 },
    );
    expect(await waitFor(() => results.length >= 2, 5000)).toBe(true);
    expect(results[0]).toEqual({ ok: true, episodeId: first!.episodeId });
    expect(results[1]).toMatchObject({ ok: false, error: expect.stringContaining("verdict") });

    // The ticket system says the second was a false alarm, over HTTP.
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const post = (body: unknown) =>
      fetch(`${url}/feedback`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
    const ok = await post({ episodeId: second!.episodeId, verdict: "false_alarm", by: "ticket-4711" });
    expect(ok.status).toBe(200);
    expect((await post({ episodeId: "no-such-episode", verdict: "fixed" })).status).toBe(404);
    const precision = (await (await fetch(`${url}/feedback/precision`)).json()) as { precision: unknown[] };
    expect(precision.precision).toEqual([
      { model: "step", site: "s1", asset: "a1", confirmed: 1, falseAlarm: 1, precision: 0.5 },
    ]);

    // Raw captures of every change (two raises, two recoveries) are on disk: 4 windows before, 4 after.
    expect(await waitFor(() => (agent.qualityLoop?.counts.captures ?? 0) >= 4, 5000)).toBe(true);

    const out = dir.path("export");
    const code = await exportLabelsCommand([
      "--config",
      dir.path("fleet.yaml"),
      "--out",
      out,
      "--since",
      "1d",
    ]);
    expect(code).toBe(0);

    // The training scripts' reader takes the raw windows: sha256 checked, windowed, featurised.
    const m = await readCwruManifest(join(out, "vibration"));
    expect(m.labels).toEqual(["fault", "normal"]);
    const signals = await loadRecordings(m);
    expect(signals.map((s) => [s.rec.label, s.rec.rpm, s.rec.sampleRateHz, s.samples.length])).toEqual([
      ["fault", 1800, 1000, 8 * 256],
      ["normal", 1800, 1000, 8 * 256],
    ]);
    const rows = featureRows(signals, ["mean"], {}, m.labels, () => ({
      windowSamples: 256,
      hopSamples: 256,
    }));
    expect(rows.y).toHaveLength(16);
    // The confirmed episode's capture: 4 windows up to the raise (the 3rd fault window), 4 after.
    expect(Array.from(rows.X.subarray(0, 8))).toEqual([0, 1, 1, 1, 1, 1, 1, 1]);

    // The evidence vectors: the windows that voted for each raise, labelled by the verdicts.
    const csv = readFileSync(join(out, "features", "step.csv"), "utf8")
      .trim()
      .split("\n");
    expect(csv[0]).toBe("episode_id,site,asset,model,model_version,verdict,label,window_ts,mean");
    const labels = csv.slice(1).map((l) => l.split(",")[6]);
    expect(labels.filter((l) => l === "fault").length).toBeGreaterThanOrEqual(3);
    expect(labels.filter((l) => l === "normal").length).toBeGreaterThanOrEqual(3);
  });
});
