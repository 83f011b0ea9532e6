import { writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionConsumer } from "../../../src/actions/action-consumer.js";
import { Agent } from "../../../src/agent.js";
import { loadConfig } from "../../../src/config/load-config.js";
import type { Manifest } from "../../../src/inference/manifest-schema.js";
import { createLogger } from "../../../src/ops/logger.js";
import { exportMlp } from "../../../src/training/onnx/export-mlp.js";
import { writeModelFolder } from "../../../src/training/onnx/write-model-folder.js";
import type { Advice } from "../../../src/types.js";
import { waitFor } from "../../helpers/collect.js";
import { Mosquitto } from "../../helpers/mosquitto.js";
import { haveTool } from "../../helpers/required-tool.js";
import { stepPayload } from "../../helpers/step-model.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { FakeJira } from "../../fixtures/actions/fake-jira.js";
import { FakeServiceNow } from "../../fixtures/actions/fake-servicenow.js";
import { SECRETS } from "../../fixtures/actions/scenario.js";

/**
 * A 1-feature model with three classes: the window's mean 0 → normal, 0.5 → wear,
 * 1 → seizure (each with probability ≈ 0.99).
 */
function writeStep3Model(modelsDir: string): void {
  const bytes = exportMlp({
    mean: Float32Array.of(0),
    scale: Float32Array.of(1),
    layers: [{ W: Float32Array.of(-20, 0, 20), b: Float32Array.of(10, 5, -10) }],
    inputName: "features",
    outputName: "probabilities",
    task: "classifier",
  });
  const manifest: Manifest = {
    name: "step3",
    version: "1.0.0",
    description: "test model: normal / wear / seizure by the window mean",
    task: "classifier",
    sha256: "0".repeat(64),
    input: { name: "features", features: ["mean"], windowSamples: 256, sampleRateHz: 1000, params: {} },
    output: { name: "probabilities", labels: ["normal", "wear", "seizure"] },
    provenance: { by: "test/integration/actions/agent-actions.test.ts" },
    metrics: {},
  };
  writeModelFolder(join(modelsDir, "step3"), bytes, manifest);
}

const PROFILE = `
transport: { type: mqtt, topic: "{prefix}/{site}/{asset}/vibration" }
codec: { type: json-block, samplesPerMessage: 256 }
channels:
  vibration: { unit: g, sampleRateHz: 1000 }
windowing: { type: block, samples: 256, gapToleranceMs: 1000000 }
model: { name: step3 }
advice:
  debounce: { k: 3, n: 5 }
  minHoldMs: 0
  cooldownMs: 0
  classes:
    normal: { severity: ok, action: "No action." }
    wear: { severity: warning, action: "Plan a bearing replacement." }
    seizure: { severity: critical, action: "Stop the pump." }
actions:
  rules:
    - { class: [wear, seizure], minSeverity: warning, tickets: [sn, jira] }
`;

const FLEET = (snUrl: string, jiraUrl: string) => `
agent: { id: it-actions }
mqtt: { url: "\${MQTT_URL}", clientId: it-actions-agent, reconnect: { minMs: 100, maxMs: 1000, jitter: 0.2 } }
topicPrefix: plant
profilesDir: profiles
modelsDir: models
outbox: { path: ./state/outbox.db, retry: { minMs: 50, maxMs: 500 } }
ticketTargets:
  sn:
    type: servicenow
    url: ${snUrl}
    auth: { type: basic, username: edge, password: { env: SN_PASSWORD } }
    allowInsecureCredentials: true
  jira:
    type: jira
    url: ${jiraUrl}
    auth: { type: bearer, token: { file: jira-token } }
    project: MAINT
    allowInsecureCredentials: true
sites:
  - id: s1
    assets:
      - { id: pump-7, profile: pump }
`;

describe.skipIf(!haveTool("mosquitto"))("the agent acting on its advice", () => {
  let broker: Mosquitto;
  let dir: ReturnType<typeof tempDir>;
  const sn = new FakeServiceNow("edge", SECRETS.SN_PASSWORD);
  const jira = new FakeJira(SECRETS.JIRA_TOKEN);

  beforeAll(async () => {
    broker = await Mosquitto.start();
    await Promise.all([sn.http.start(), jira.http.start()]);
    dir = tempDir({ "profiles/pump.yaml": PROFILE, "jira-token": `${SECRETS.JIRA_TOKEN}\n` });
    writeStep3Model(dir.path("models"));
    writeFileSync(dir.path("fleet.yaml"), FLEET(sn.http.url, jira.http.url));
  });
  afterAll(async () => {
    await Promise.all([sn.http.close(), jira.http.close()]);
    await broker.close();
    dir.cleanup();
  });

  it("drives an asset normal → fault → escalation → recovery: ServiceNow and Jira each see one create, one update, one resolve", async () => {
    const env = { MQTT_URL: broker.url, SN_PASSWORD: SECRETS.SN_PASSWORD };
    const config = loadConfig(dir.path("fleet.yaml"), env);
    const log = createLogger({ level: "silent" });
    const actions = new ActionConsumer({ config, log, env });
    const advices: Advice[] = [];
    const agent = new Agent({ config, log, consumers: [actions], onAdvice: (a) => advices.push(a) });
    let client: MqttClient | null = null;
    try {
      await agent.start();
      client = await mqtt.connectAsync(broker.url, { clientId: "it-actions-sensor", protocolVersion: 5 });
      let ts = 1_700_000_000_000;
      for (const level of [
        ...Array(8).fill(0),
        ...Array(8).fill(0.5),
        ...Array(8).fill(1),
        ...Array(8).fill(0),
      ]) {
        await client.publishAsync("plant/s1/pump-7/vibration", stepPayload(ts, level), { qos: 1 });
        ts += 256;
      }
      expect(await waitFor(() => advices.length >= 3, 10_000)).toBe(true);
      expect(advices.map((a) => [a.transition, a.fault, a.severity])).toEqual([
        ["raise", "wear", "warning"],
        ["escalate", "seizure", "critical"],
        ["recover", "normal", "ok"],
      ]);
      expect(
        await waitFor(
          () => actions.waiting() === 0 && sn.counts.resolves + jira.counts.resolves === 2,
          10_000,
        ),
      ).toBe(true);
      expect(sn.counts).toEqual({ creates: 1, updates: 1, resolves: 1 });
      expect(jira.counts).toEqual({ creates: 1, updates: 1, resolves: 1 });
      expect(actions.outboxFile).toBe(dir.path("state/outbox.db"));
    } finally {
      await client?.endAsync();
      await agent.stop(3000);
    }
  });
});
