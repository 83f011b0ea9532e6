import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../../src/agent.js";
import { loadConfig } from "../../../src/config/load-config.js";
import { buildHealth } from "../../../src/ops/health.js";
import { LivenessCheck } from "../../../src/ops/liveness.js";
import { createLogger } from "../../../src/ops/logger.js";
import { createMetrics } from "../../../src/ops/metrics.js";
import { OpsServer } from "../../../src/ops/ops-server.js";
import { livenessSnapshot } from "../../../src/ops/ops-view.js";
import type { TelemetrySink } from "../../../src/sinks/telemetry-sink.js";
import { waitFor } from "../../helpers/collect.js";
import { Mosquitto } from "../../helpers/mosquitto.js";
import { haveTool } from "../../helpers/required-tool.js";
import { STEP_PROFILE, stepPayload, writeStepModel } from "../../helpers/step-model.js";
import { tempDir } from "../../helpers/temp-dir.js";

const FLEET = `
agent: { id: ops-agent }
mqtt:
  url: "\${MQTT_URL}"
  clientId: ops-agent
  reconnect: { minMs: 100, maxMs: 500, jitter: 0.2 }
topicPrefix: factory
profilesDir: profiles
modelsDir: models
sites:
  - id: s1
    assets:
      - { id: a1, profile: step }
`;

/** A sink that reports what a store-and-forward sink would: its health and spool figures. */
const spoolingSink: TelemetrySink & { opsStats(): Record<string, number> } = {
  name: "influx",
  start: async () => {},
  stop: async () => {},
  features: () => {},
  prediction: () => {},
  advice: () => {},
  health: () => ({ ok: true, detail: "spooling: server unreachable; 120 points spooled" }),
  opsStats: () => ({ spoolBytes: 4096, spoolPoints: 120, spoolOldestAgeS: 30 }),
};

describe.skipIf(!haveTool("mosquitto"))("/healthz and /metrics of a running agent", () => {
  let broker: Mosquitto;
  let dir: ReturnType<typeof tempDir>;
  let agent: Agent;
  let server: OpsServer;
  let client: MqttClient;
  let base = "";

  beforeAll(async () => {
    broker = await Mosquitto.start();
    dir = tempDir({ "profiles/step.yaml": STEP_PROFILE, "fleet.yaml": FLEET });
    writeStepModel(dir.path("models"));
    const log = createLogger({ level: "silent" });
    agent = new Agent({
      config: loadConfig(dir.path("fleet.yaml"), { MQTT_URL: broker.url }),
      log,
      sinks: [spoolingSink],
    });
    await agent.start();
    const liveness = new LivenessCheck({ inferenceStallMs: 10_000, reconnectStallMs: 60_000 });
    const live = () => liveness.check(livenessSnapshot(agent.opsView(), Date.now()));
    server = new OpsServer({
      host: "127.0.0.1",
      port: 0,
      log,
      health: () => buildHealth(agent.opsView(), live(), Date.now(), { lastReload: "none since start" }),
      metrics: createMetrics(() => agent.opsView(), {
        liveness: live,
        reloads: () => ({ applied: 2, refused: 1 }),
      }),
    });
    await server.start();
    base = `http://127.0.0.1:${server.port}`;
    client = await mqtt.connectAsync(broker.url, { clientId: "ops-pub", protocolVersion: 5 });
  });
  afterAll(async () => {
    await client.endAsync();
    await server.stop();
    await agent.stop(2000);
    await broker.close();
    dir.cleanup();
  });

  it("counts messages, windows, predictions, discards per reason and batch figures, collected on scrape", async () => {
    for (let i = 0; i < 3; i++)
      await client.publishAsync("factory/s1/a1/vibration", stepPayload(1_700_000_000_000 + i * 256, 0), {
        qos: 1,
      });
    await client.publishAsync("factory/s1/a1/vibration", "{not json", { qos: 1 });
    await client.publishAsync("factory/s1/a1/vibration", "[1,2", { qos: 1 });
    await client.publishAsync("factory/s1/nobody/vibration", stepPayload(1, 0), { qos: 1 });
    expect(await waitFor(() => agent.assets[0]!.counters.predictions === 3, 5000)).toBe(true);
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const line of [
      'edge_agent_info{agent="ops-agent",version="0.1.0"} 1',
      'edge_agent_messages_total{source="mqtt"} 6',
      "edge_agent_unrouted_messages_total 1",
      'edge_agent_asset_messages_total{site="s1",asset="a1"} 5',
      'edge_agent_windows_total{site="s1",asset="a1"} 3',
      'edge_agent_predictions_total{site="s1",asset="a1"} 3',
      'edge_agent_advice_changes_total{site="s1",asset="a1"} 0',
      'edge_agent_discards_total{site="s1",asset="a1",reason="bad_json"} 2',
      'edge_agent_inference_rows_total{model="step",version="1.0.0"} 3',
      'edge_agent_inference_queue_rows{model="step",version="1.0.0"} 0',
      'edge_agent_inference_batch_rows_bucket{model="step",version="1.0.0",le="+Inf"}',
      'edge_agent_inference_latency_seconds_count{model="step",version="1.0.0"}',
      "edge_agent_mqtt_connected 1",
      'edge_agent_assets{state="running"} 1',
      'edge_agent_spool_bytes{component="influx"} 4096',
      'edge_agent_spool_points{component="influx"} 120',
      'edge_agent_reloads_total{result="refused"} 1',
      "edge_agent_alive 1",
    ]) {
      expect(text).toContain(line);
    }
    // Histogram buckets are cumulative and end at the count.
    const rows = [...text.matchAll(/edge_agent_inference_batch_rows_bucket\{[^}]*le="([^"]+)"\} (\d+)/g)].map(
      (m) => Number(m[2]),
    );
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    expect(rows.at(-1)).toBe(Number(/edge_agent_inference_batch_rows_count\{[^}]*\} (\d+)/.exec(text)?.[1]));
  });

  it("says 200 with every component when all is well, 503 naming mqtt while the broker is down, 200 again after", async () => {
    const ok = await fetch(`${base}/healthz`);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as {
      ok: boolean;
      components: Record<string, { ok: boolean; detail: string }>;
    };
    expect(Object.keys(body.components).sort()).toEqual(["model:step", "mqtt", "sink:influx"]);
    expect(body.components["sink:influx"]).toEqual({
      ok: true,
      detail: "spooling: server unreachable; 120 points spooled",
    });

    await broker.stop();
    expect(await waitFor(() => agent.connection?.state !== "connected", 5000)).toBe(true);
    const down = await fetch(`${base}/healthz`);
    expect(down.status).toBe(503);
    const downBody = (await down.json()) as { components: Record<string, { ok: boolean; detail: string }> };
    expect(downBody.components.mqtt?.ok).toBe(false);
    expect(downBody.components.mqtt?.detail).toMatch(
      /^(disconnected|connecting) from mqtt:\/\/127\.0\.0\.1:\d+ after \d+ attempts/,
    );
    expect(downBody.components["model:step"]?.ok).toBe(true);

    await broker.restart();
    expect(await waitFor(() => agent.connection?.state === "connected", 10_000)).toBe(true);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/edge_agent_mqtt_reconnects_total [1-9]/);
  });

  it("answers 404 elsewhere, and a second endpoint on a taken port logs instead of failing", async () => {
    expect((await fetch(`${base}/`)).status).toBe(404);
    const lines: string[] = [];
    const other = new OpsServer({
      host: "127.0.0.1",
      port: server.port,
      log: createLogger({ level: "info", destination: { write: (l: string) => lines.push(l) } as never }),
      health: () => {
        throw new Error("unused");
      },
      metrics: createMetrics(() => agent.opsView(), {
        liveness: () => ({ alive: true, reasons: [], stalledModels: [] }),
        reloads: () => ({ applied: 0, refused: 0 }),
      }),
    });
    expect(await other.start()).toBeNull();
    expect(lines.join("")).toMatch(/health\/metrics endpoint not started \(port taken\?\)/);
  });
});
