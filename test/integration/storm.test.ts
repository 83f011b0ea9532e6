import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentProcess } from "../helpers/agent-process.js";
import { waitFor } from "../helpers/collect.js";
import { Mosquitto } from "../helpers/mosquitto.js";
import { haveTool } from "../helpers/required-tool.js";
import { STEP_PROFILE, stepPayload, writeStepModel } from "../helpers/step-model.js";
import { tempDir } from "../helpers/temp-dir.js";

const FLEET = `
agent: { id: storm }
mqtt: { url: "\${MQTT_URL}", clientId: storm-agent }
topicPrefix: factory
profilesDir: profiles
modelsDir: models
log: { level: info, summaryIntervalS: 0.5 }
sites:
  - id: s1
    assets:
      - { id: a1, profile: step }
`;

/** 10 kinds of bad payload for the step profile (256-sample JSON blocks, 1 kHz, ≤ 4 KiB). */
function malformed(i: number): string | Buffer {
  switch (i % 10) {
    case 0:
      return "{not json";
    case 1:
      return '{"ts": "yesterday", "fs": 1000, "samples": [1,2]}';
    case 2:
      return `{"ts": ${i}, "fs": 1000}`;
    case 3:
      return `{"ts": ${i}, "fs": 1000, "samples": [${new Array(255).fill(0).join(",")}]}`;
    case 4:
      return `{"ts": ${i}, "fs": 1000, "samples": [${new Array(256).fill("1e999").join(",")}]}`;
    case 5:
      return `{"ts": ${i}, "fs": 48000, "samples": [${new Array(256).fill(0).join(",")}]}`;
    case 6:
      return Buffer.alloc(300_000, 0x20);
    case 7:
      return Buffer.from([0xff, 0xfe, 0x00, 0x01]);
    case 8:
      return `{"ts": ${i}, "fs": 1000, "samples": ["a"]}`;
    default:
      return "[]";
  }
}

describe.skipIf(!haveTool("mosquitto"))("a malformed payload storm against the agent process", () => {
  let broker: Mosquitto;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    broker = await Mosquitto.start("message_size_limit 0");
    dir = tempDir({ "fleet.yaml": FLEET, "profiles/step.yaml": STEP_PROFILE });
    writeStepModel(dir.path("models"));
  });
  afterAll(async () => {
    await broker.close();
    dir.cleanup();
  });

  it("counts 10,000 malformed payloads as 10,000 discards, stays alive with bounded memory and logs summaries, not lines per payload", async () => {
    const agent = new AgentProcess(["run", "--config", dir.path("fleet.yaml")], { MQTT_URL: broker.url });
    try {
      expect(
        await waitFor(() => agent.lines.some((l) => l.msg === "agent started"), 15_000),
        agent.stderr,
      ).toBe(true);
      const c = await mqtt.connectAsync(broker.url, { clientId: "storm-pub" });
      const rssBefore = agent.rssKb();
      const N = 10_000;
      let peakKb = rssBefore;
      for (let i = 0; i < N; i++) {
        c.publish("factory/s1/a1/vibration", malformed(i), { qos: 1 });
        if (i % 500 === 0) {
          await new Promise((r) => setTimeout(r, 5));
          peakKb = Math.max(peakKb, agent.rssKb());
        }
      }
      // A good window afterwards still gets through the pipeline.
      await c.publishAsync("factory/s1/a1/vibration", stepPayload(1_700_000_000_000, 0), { qos: 1 });
      const counted = () =>
        agent.lines
          .filter((l) => l.msg === "payloads discarded since the last summary")
          .reduce(
            (s, l) => s + Object.values(l.discarded as Record<string, number>).reduce((a, b) => a + b, 0),
            0,
          );
      expect(await waitFor(() => counted() >= N, 30_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 1200));
      expect(counted()).toBe(N);
      expect(agent.alive()).toBe(true);
      peakKb = Math.max(peakKb, agent.rssKb());
      // One "first discard" line per reason, not one per payload.
      const firsts = agent.lines.filter(
        (l) => l.msg === "discarding bad payloads (counted; summarised every interval)",
      );
      expect(firsts.length).toBeLessThanOrEqual(10);
      expect(agent.lines.length).toBeLessThan(200);
      await c.endAsync();
      const code = await agent.stop("SIGTERM");
      expect(code).toBe(0);
      const stopped = agent.lines.find((l) => l.msg === "agent stopped");
      const byReason = stopped?.discarded as Record<string, number>;
      expect(Object.values(byReason).reduce((a, b) => a + b, 0)).toBe(N);
      expect(Object.keys(byReason).sort()).toEqual(
        [
          "bad_json",
          "bad_type",
          "missing_field",
          "non_finite",
          "oversize",
          "sample_rate_mismatch",
          "wrong_length",
        ].sort(),
      );
      process.stdout.write(
        `storm: RSS ${rssBefore} kB before, peak ${peakKb} kB; discards ${JSON.stringify(byReason)}\n`,
      );
      expect(peakKb - rssBefore).toBeLessThan(100 * 1024);
    } finally {
      await agent.stop("SIGKILL");
    }
  });
});
