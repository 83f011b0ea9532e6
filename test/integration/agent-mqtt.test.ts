import mqtt, { type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../src/agent.js";
import { loadConfig } from "../../src/config/load-config.js";
import { createLogger } from "../../src/ops/logger.js";
import type { Advice } from "../../src/types.js";
import { waitFor } from "../helpers/collect.js";
import { Mosquitto } from "../helpers/mosquitto.js";
import { haveTool } from "../helpers/required-tool.js";
import { STEP_PROFILE, stepPayload, writeStepModel } from "../helpers/step-model.js";
import { tempDir } from "../helpers/temp-dir.js";

const FLEET = (clientId: string) => `
agent: { id: it-agent }
mqtt:
  url: "\${MQTT_URL}"
  clientId: ${clientId}
  reconnect: { minMs: 100, maxMs: 1000, jitter: 0.2 }
topicPrefix: factory
profilesDir: profiles
modelsDir: models
sites:
  - id: s1
    assets:
      - { id: a1, profile: step }
      - { id: a2, profile: step }
`;

const TOPIC = "factory/s1/a1/vibration";

describe.skipIf(!haveTool("mosquitto"))("the agent against a real Mosquitto", () => {
  let broker: Mosquitto;
  let dir: ReturnType<typeof tempDir>;
  let agent: Agent | null = null;
  let client: MqttClient | null = null;
  let n = 0;

  beforeAll(async () => {
    broker = await Mosquitto.start();
    dir = tempDir({ "profiles/step.yaml": STEP_PROFILE });
    writeStepModel(dir.path("models"));
  });
  afterAll(async () => {
    await broker.close();
    dir.cleanup();
  });
  afterEach(async () => {
    await agent?.stop(2000);
    agent = null;
    await client?.endAsync();
    client = null;
  });

  async function startAgent(clientId: string, onAdvice?: (a: Advice) => void): Promise<Agent> {
    const fleet = dir.path(`fleet-${clientId}.yaml`);
    (await import("node:fs")).writeFileSync(fleet, FLEET(clientId));
    const config = loadConfig(fleet, { MQTT_URL: broker.url });
    const a = new Agent({ config, log: createLogger({ level: "silent" }), onAdvice });
    await a.start();
    agent = a;
    return a;
  }

  async function connectClient(): Promise<MqttClient> {
    client = await mqtt.connectAsync(broker.url, { clientId: `it-client-${n++}`, protocolVersion: 5 });
    return client;
  }

  function predictions(a: Agent, key = "s1/a1"): number {
    const s = a.stats().assets as Record<string, { predictions: number }>;
    return s[key]?.predictions ?? 0;
  }

  it("turns N published windows into N predictions, each carrying its window's ts", async () => {
    const a = await startAgent("it-n");
    const c = await connectClient();
    const got: number[] = [];
    c.on("message", (_t, payload) => got.push((JSON.parse(payload.toString()) as { ts: number }).ts));
    await c.subscribeAsync("factory/s1/a1/prediction", { qos: 1 });
    const N = 300;
    const sent: number[] = [];
    for (let i = 0; i < N; i++) {
      const ts = 1_700_000_000_000 + i * 256;
      sent.push(ts);
      await c.publishAsync(TOPIC, stepPayload(ts, i % 2), { qos: 1 });
    }
    expect(await waitFor(() => got.length >= N, 10_000)).toBe(true);
    expect(got.sort()).toEqual(sent);
    expect(predictions(a)).toBe(N);
  });

  it("publishes a retained advice only when k of n windows agree, and recovers the same way", async () => {
    const advices: Advice[] = [];
    await startAgent("it-advice", (adv) => advices.push(adv));
    const c = await connectClient();
    const levels = [
      ...Array(10).fill(0),
      1,
      ...Array(10).fill(0),
      ...Array(10).fill(1),
      ...Array(10).fill(0),
    ];
    let ts = 1_700_000_100_000;
    for (const level of levels) {
      await c.publishAsync("factory/s1/a2/vibration", stepPayload(ts, level), { qos: 1 });
      ts += 256;
    }
    expect(await waitFor(() => advices.length >= 2, 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(advices.map((x) => [x.transition, x.fault, x.asset])).toEqual([
      ["raise", "fault", "a2"],
      ["recover", "normal", "a2"],
    ]);
    // raised by the third fault window (index 21 + 2), recovered by the third normal one after it
    expect(advices[0]!.windowTsMs).toBe(1_700_000_100_000 + 23 * 256);
    expect(advices[1]!.windowTsMs).toBe(1_700_000_100_000 + 33 * 256);
    // The last advice is retained on the asset's advice topic.
    const retained = await new Promise<Record<string, unknown>>((resolve) => {
      c.on("message", (t, p) => {
        if (t === "factory/s1/a2/advice") resolve(JSON.parse(p.toString()) as Record<string, unknown>);
      });
      void c.subscribeAsync("factory/s1/a2/advice", { qos: 1 });
    });
    expect(retained).toMatchObject({
      class: "normal",
      transition: "recover",
      episodeId: advices[0]!.episodeId,
    });
  });

  it("publishes a retained online status, and offline when it stops", async () => {
    const a = await startAgent("it-status");
    const c = await connectClient();
    const states: string[] = [];
    c.on("message", (_t, p) => states.push((JSON.parse(p.toString()) as { state: string }).state));
    await c.subscribeAsync("factory/agent/it-agent/status", { qos: 1 });
    expect(await waitFor(() => states.includes("online"), 3000)).toBe(true);
    await a.stop(2000);
    agent = null;
    expect(await waitFor(() => states.at(-1) === "offline", 3000)).toBe(true);
  });

  it("reconnects by itself after a broker restart and processes every window published around it", async () => {
    const a = await startAgent("it-restart");
    const c = await connectClient();
    const N = 200;
    let ts = 1_700_000_200_000;
    for (let i = 0; i < N / 2; i++) {
      await c.publishAsync(TOPIC, stepPayload(ts, 0), { qos: 1 });
      ts += 256;
    }
    expect(await waitFor(() => predictions(a) === N / 2, 10_000)).toBe(true);
    await broker.stop();
    await new Promise((r) => setTimeout(r, 500));
    await broker.restart();
    // The publisher's own QoS 1 queue goes out once it has reconnected too.
    for (let i = 0; i < N / 2; i++) {
      c.publish(TOPIC, stepPayload(ts, 0), { qos: 1 });
      ts += 256;
    }
    expect(await waitFor(() => predictions(a) === N, 15_000)).toBe(true);
    expect(a.connection?.stats.reconnects).toBeGreaterThanOrEqual(1);
  });

  it("receives the windows the broker queued for it while it was down (persistent session)", async () => {
    const first = await startAgent("it-session");
    await first.stop(2000);
    agent = null;
    const c = await connectClient();
    const M = 50;
    let ts = 1_700_000_300_000;
    for (let i = 0; i < M; i++) {
      await c.publishAsync(TOPIC, stepPayload(ts, 0), { qos: 1 });
      ts += 256;
    }
    const second = await startAgent("it-session");
    expect(await waitFor(() => predictions(second) === M, 10_000)).toBe(true);
  });
});
