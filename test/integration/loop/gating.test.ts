import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../../src/agent.js";
import { loadConfig } from "../../../src/config/load-config.js";
import { createLogger } from "../../../src/ops/logger.js";
import type { Advice } from "../../../src/types.js";
import { waitFor } from "../../helpers/collect.js";
import { Mosquitto } from "../../helpers/mosquitto.js";
import { haveTool } from "../../helpers/required-tool.js";
import { STEP_PROFILE, writeStepModel } from "../../helpers/step-model.js";
import { tempDir } from "../../helpers/temp-dir.js";

/** The step model's profile; the machine runs while the vibration's std is above 0.01. */
const PROFILE = `${STEP_PROFILE}running: { channel: vibration, statistic: std, above: 0.01 }
`;

const FLEET = `
agent: { id: gate-agent }
mqtt: { url: "\${MQTT_URL}", clientId: gate-agent }
topicPrefix: factory
profilesDir: profiles
modelsDir: models
sites:
  - id: s1
    assets:
      - { id: a1, profile: step }
`;

/** 256 samples around `level`: ±0.05 when running (std 0.05), all equal when stopped (std 0). */
function payload(ts: number, level: number, running: boolean): string {
  const s = Array.from({ length: 256 }, (_, i) => (running ? level + (i % 2 === 0 ? 0.05 : -0.05) : level));
  return JSON.stringify({ ts, fs: 1000, samples: s });
}

describe.skipIf(!haveTool("mosquitto"))("operating-state gating over a real Mosquitto", () => {
  let broker: Mosquitto;
  let dir: ReturnType<typeof tempDir>;
  let agent: Agent;
  let client: MqttClient;
  const advices: Advice[] = [];
  const retained = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    broker = await Mosquitto.start();
    dir = tempDir({ "profiles/step.yaml": PROFILE, "fleet.yaml": FLEET });
    writeStepModel(dir.path("models"));
    agent = new Agent({
      config: loadConfig(dir.path("fleet.yaml"), { MQTT_URL: broker.url }),
      log: createLogger({ level: "silent" }),
      onAdvice: (a) => advices.push(a),
    });
    await agent.start();
    client = await mqtt.connectAsync(broker.url, { clientId: "gate-client", protocolVersion: 5 });
    client.on("message", (t, p) => {
      if (p.length > 0) retained.set(t, JSON.parse(p.toString()) as Record<string, unknown>);
    });
    await client.subscribeAsync(["factory/s1/a1/operating", "factory/agent/gate-agent/status"], { qos: 1 });
  });
  afterAll(async () => {
    await client?.endAsync();
    await agent?.stop(2000);
    await broker?.close();
    dir?.cleanup();
  });

  let ts = 1_700_000_000_000;
  async function send(n: number, level: number, running: boolean): Promise<void> {
    for (let i = 0; i < n; i++) {
      await client.publishAsync("factory/s1/a1/vibration", payload(ts, level, running), { qos: 1 });
      ts += 256;
    }
  }
  const windows = () =>
    (agent.stats().assets as Record<string, { windows: number; predictions: number }>)["s1/a1"]!;

  it("while the machine is stopped no advice changes, and status says why; once it runs, advice follows", async () => {
    await send(10, 1, false);
    expect(await waitFor(() => windows().windows === 10, 5000)).toBe(true);
    expect(await waitFor(() => retained.get("factory/s1/a1/operating")?.state === "stopped", 5000)).toBe(
      true,
    );
    expect(retained.get("factory/s1/a1/operating")).toMatchObject({ reason: "vibration std 0 ≤ 0.01" });
    // The agent's status message carries the reason too (republished within a second).
    expect(
      await waitFor(() => {
        const op = retained.get("factory/agent/gate-agent/status")?.operating as
          | Record<string, { state: string }>
          | undefined;
        return op?.["s1/a1"]?.state === "stopped";
      }, 3000),
    ).toBe(true);
    expect(windows().predictions).toBe(0);
    expect(advices).toEqual([]);

    await send(10, 1, true);
    expect(await waitFor(() => advices.length === 1, 5000)).toBe(true);
    expect(advices[0]).toMatchObject({ transition: "raise", fault: "fault" });
    expect(retained.get("factory/s1/a1/operating")?.state).toBe("running");
  });

  it("a retained maintenance message holds the advice while the machine runs", async () => {
    await client.publishAsync(
      "factory/s1/a1/maintenance",
      JSON.stringify({ active: true, by: "jo", note: "alignment" }),
      {
        qos: 1,
        retain: true,
      },
    );
    expect(await waitFor(() => retained.get("factory/s1/a1/operating")?.state === "maintenance", 5000)).toBe(
      true,
    );
    const before = advices.length;
    await send(10, 0, true);
    expect(await waitFor(() => windows().windows === 30, 5000)).toBe(true);
    expect(advices.length).toBe(before);
    expect(retained.get("factory/s1/a1/operating")).toMatchObject({
      reason: "maintenance until further notice (jo): alignment",
    });

    await client.publishAsync("factory/s1/a1/maintenance", JSON.stringify({ active: false }), {
      qos: 1,
      retain: true,
    });
    expect(await waitFor(() => retained.get("factory/s1/a1/operating")?.state === "running", 5000)).toBe(
      true,
    );
    await send(10, 0, true);
    expect(await waitFor(() => advices.length === before + 1, 5000)).toBe(true);
    expect(advices.at(-1)).toMatchObject({ transition: "recover", fault: "normal" });
  });
});
