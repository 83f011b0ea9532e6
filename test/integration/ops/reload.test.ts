import { writeFileSync } from "node:fs";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../../src/agent.js";
import { loadConfig } from "../../../src/config/load-config.js";
import { createLogger } from "../../../src/ops/logger.js";
import { Reloader } from "../../../src/ops/reloader.js";
import { waitFor } from "../../helpers/collect.js";
import { Mosquitto } from "../../helpers/mosquitto.js";
import { haveTool } from "../../helpers/required-tool.js";
import { STEP_PROFILE, stepPayload, writeStepModel } from "../../helpers/step-model.js";
import { tempDir } from "../../helpers/temp-dir.js";

const fleet = (clientId: string, a2 = "{ id: a2, profile: step }") => `
agent: { id: reload-agent }
mqtt:
  url: "\${MQTT_URL}"
  clientId: ${clientId}
topicPrefix: factory
profilesDir: profiles
modelsDir: models
sites:
  - id: s1
    assets:
      - { id: a1, profile: step }
      - ${a2}
`;

/** Hot reload in-process: Agent.reload through the Reloader, against a real Mosquitto. */
describe.skipIf(!haveTool("mosquitto"))("hot reload of the fleet file, profiles and models", () => {
  let broker: Mosquitto;
  let dir: ReturnType<typeof tempDir>;
  let agent: Agent | null = null;
  let client: MqttClient | null = null;
  let n = 0;

  beforeAll(async () => {
    broker = await Mosquitto.start();
  });
  afterAll(async () => {
    await broker.close();
  });
  afterEach(async () => {
    await agent?.stop(2000);
    agent = null;
    await client?.endAsync();
    client = null;
    dir.cleanup();
  });

  async function start(): Promise<{ agent: Agent; reloader: Reloader; file: string; id: string }> {
    const id = `reload-${n++}`;
    dir = tempDir({ "profiles/step.yaml": STEP_PROFILE, "fleet.yaml": fleet(id) });
    writeStepModel(dir.path("models"));
    const env = { ...process.env, MQTT_URL: broker.url };
    const file = dir.path("fleet.yaml");
    agent = new Agent({ config: loadConfig(file, env), log: createLogger({ level: "silent" }) });
    await agent.start();
    client = await mqtt.connectAsync(broker.url, { clientId: `${id}-pub`, protocolVersion: 5 });
    const reloader = new Reloader({
      agent,
      configFile: file,
      log: createLogger({ level: "silent" }),
      watch: false,
      debounceMs: 0,
      env,
    });
    return { agent, reloader, file, id };
  }

  const pipeline = (a: Agent, key: string) => a.assets.find((p) => p.ref.key === key);

  async function windows(a: Agent, asset: string, levels: number[]): Promise<void> {
    const before = pipeline(a, `s1/${asset}`)!.counters.predictions;
    let ts = 1_700_000_000_000 + n * 1_000_000;
    for (const level of levels) {
      await client!.publishAsync(`factory/s1/${asset}/vibration`, stepPayload(ts, level), { qos: 1 });
      ts += 256;
    }
    expect(
      await waitFor(
        () => (pipeline(a, `s1/${asset}`)?.counters.predictions ?? 0) >= before + levels.length,
        5000,
      ),
    ).toBe(true);
  }

  it("keeps the pipeline (windows and advice state) of an asset whose profile and model did not change", async () => {
    const { agent: a, reloader, file, id } = await start();
    await windows(a, "a1", [1, 1, 1]);
    const a1 = pipeline(a, "s1/a1")!;
    const a2 = pipeline(a, "s1/a2")!;
    expect(a1.machine.current.fault).toBe("fault");
    writeFileSync(file, fleet(id, "{ id: a2, profile: step, overrides: { advice: { minHoldMs: 5 } } }"));
    const out = await reloader.reload("test");
    expect(out).toMatchObject({ applied: true, kept: 1, built: 1, dropped: 0, loaded: [], released: [] });
    expect(pipeline(a, "s1/a1")).toBe(a1);
    expect(pipeline(a, "s1/a1")!.machine.current.fault).toBe("fault");
    expect(pipeline(a, "s1/a2")).not.toBe(a2);
    await windows(a, "a2", [0]);
    expect(reloader.counts).toEqual({ applied: 1, refused: 0 });
  });

  it("refuses a model folder whose file does not match its manifest, keeping the running model", async () => {
    const { agent: a, reloader } = await start();
    const a1 = pipeline(a, "s1/a1")!;
    writeFileSync(dir.path("models/step/model.onnx"), "not an onnx file");
    const out = await reloader.reload("test");
    expect(out.applied).toBe(false);
    expect(!out.applied && out.reason).toMatch(/EA_MODEL_HASH_MISMATCH/);
    expect(pipeline(a, "s1/a1")).toBe(a1);
    await windows(a, "a1", [0, 1]);
    expect(reloader.last).toMatch(/^refused at .*EA_MODEL_HASH_MISMATCH/);
  });

  it.each([
    [
      "a fleet file with an unknown key",
      (f: string) => f.replace("topicPrefix: factory", "topicPrefx: factory"),
      /EA_CONFIG_INVALID/,
    ],
    ["a profile turned invalid", null, /EA_PROFILE_INVALID/],
  ] as const)("refuses %s and keeps every asset running", async (_what, edit, reason) => {
    const { agent: a, reloader, file } = await start();
    const before = [...a.assets];
    if (edit !== null) writeFileSync(file, edit(fleet(a.currentConfig.fleet.mqtt.clientId!)));
    else writeFileSync(dir.path("profiles/step.yaml"), STEP_PROFILE.replace("windowing:", "windowng:"));
    const out = await reloader.reload("test");
    expect(!out.applied && out.reason).toMatch(reason);
    expect(a.assets).toEqual(before);
    await windows(a, "a2", [0]);
  });

  it("refuses a profile that no longer fits its model, naming the misfit", async () => {
    const { agent: a, reloader } = await start();
    writeFileSync(
      dir.path("profiles/step.yaml"),
      STEP_PROFILE.replace("samplesPerMessage: 256", "samplesPerMessage: 512").replace(
        "samples: 256",
        "samples: 512",
      ),
    );
    const out = await reloader.reload("test");
    expect(!out.applied && out.reason).toMatch(
      /windowSamples: the model .* was trained on windows of 256 samples, the profile cuts 512/,
    );
    expect(a.assets).toHaveLength(2);
  });
});
