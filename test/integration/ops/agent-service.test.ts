import { copyFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AgentProcess } from "../../helpers/agent-process.js";
import { waitFor } from "../../helpers/collect.js";
import { Mosquitto } from "../../helpers/mosquitto.js";
import { haveTool } from "../../helpers/required-tool.js";
import { STEP_PROFILE, stepPayload, writeStepModel } from "../../helpers/step-model.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { writeFlippedStepModel } from "../../fixtures/ops/flipped-step-model.js";
import { NotifyReceiver } from "./notify-receiver.js";

/**
 * The built agent as systemd runs it: a real process, a real unix datagram socket as
 * NOTIFY_SOCKET, WATCHDOG_USEC=1 s (so a ping every 500 ms), a real Mosquitto, signals.
 */

const STOP_BOUND_MS = 4000;

const fleet = (clientId: string, assets = ["a1"]) => `
agent: { id: svc-agent }
mqtt:
  url: "\${MQTT_URL}"
  clientId: ${clientId}
  reconnect: { minMs: 100, maxMs: 1000, jitter: 0.2 }
topicPrefix: factory
profilesDir: profiles
modelsDir: models
ops:
  http: { host: 127.0.0.1, port: 0 }
  inferenceStallMs: 1500
  watchDebounceMs: 300
  stopTimeoutMs: ${STOP_BOUND_MS}
sites:
  - id: s1
    assets:
${assets.map((a) => `      - { id: ${a}, profile: step }`).join("\n")}
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  dir: ReturnType<typeof tempDir>;
  agent: AgentProcess;
  notify: NotifyReceiver;
  port: () => number;
}

describe.skipIf(!haveTool("mosquitto") || !haveTool("python3"))(
  "the agent as a systemd service (spawned, built)",
  () => {
    let broker: Mosquitto;
    const running: Running[] = [];
    const clients: MqttClient[] = [];
    let n = 0;

    beforeAll(async () => {
      broker = await Mosquitto.start();
    });
    afterAll(async () => {
      await broker.close();
    });
    afterEach(async () => {
      for (const c of clients.splice(0)) await c.endAsync();
      for (const r of running.splice(0)) {
        await r.agent.stop("SIGKILL", 2000);
        r.notify.stop();
        r.dir.cleanup();
      }
    });

    async function start(clientId: string, env: NodeJS.ProcessEnv = {}): Promise<Running> {
      const dir = tempDir({ "profiles/step.yaml": STEP_PROFILE, "fleet.yaml": fleet(clientId) });
      writeStepModel(dir.path("models"));
      const notify = await NotifyReceiver.start(dir.path("notify.sock"));
      const agent = new AgentProcess(["run", "--config", dir.path("fleet.yaml")], {
        MQTT_URL: broker.url,
        NOTIFY_SOCKET: notify.path,
        WATCHDOG_USEC: "1000000",
        ...env,
      });
      const port = () => {
        const line = agent.lines.find((l) =>
          String(l.msg).startsWith("health and metrics endpoint listening"),
        );
        return Number(/:(\d+)$/.exec(String(line?.url ?? ""))?.[1] ?? 0);
      };
      const r = { dir, agent, notify, port };
      running.push(r);
      const ready = await waitFor(() => notify.with("READY", "1").length > 0, 20_000);
      if (!ready)
        throw new Error(
          `no READY=1; log:\n${agent.lines.map((l) => JSON.stringify(l)).join("\n")}\n${agent.stderr}`,
        );
      return r;
    }

    async function client(): Promise<MqttClient> {
      const c = await mqtt.connectAsync(broker.url, { clientId: `svc-client-${n++}`, protocolVersion: 5 });
      clients.push(c);
      return c;
    }

    /** Predictions of one asset by window ts, as the agent publishes them. */
    async function predictions(c: MqttClient, asset = "a1"): Promise<Map<number, string[]>> {
      const got = new Map<number, string[]>();
      c.on("message", (topic, p) => {
        if (topic !== `factory/s1/${asset}/prediction`) return;
        const m = JSON.parse(p.toString()) as { ts: number; class: string };
        got.set(m.ts, [...(got.get(m.ts) ?? []), m.class]);
      });
      await c.subscribeAsync(`factory/s1/${asset}/prediction`, { qos: 1 });
      return got;
    }

    it("sends READY=1 once up, then WATCHDOG=1 every half WATCHDOG_USEC with a STATUS= summary, and serves /healthz and /metrics", async () => {
      const { agent, notify, port } = await start("svc-ready");
      const ready = notify.with("READY", "1")[0]!;
      expect(ready.fields.STATUS).toMatch(/^1 assets, mqtt connected, 0 windows/);
      expect(agent.lines.some((l) => l.msg === "agent started")).toBe(true);
      if (process.getuid?.() === 0) {
        // Root may send on another pid's behalf: systemd-notify claims the agent's (NotifyAccess=main works).
        expect(ready.pid).toBe(agent.pid);
      }
      const t0 = Date.now();
      await sleep(2600);
      const pings = notify.with("WATCHDOG", "1").filter((m) => m.t >= t0);
      expect(pings.length).toBeGreaterThanOrEqual(4);

      const c = await client();
      const got = await predictions(c);
      for (let i = 0; i < 5; i++)
        await c.publishAsync("factory/s1/a1/vibration", stepPayload(1_700_000_000_000 + i * 256, 0), {
          qos: 1,
        });
      expect(await waitFor(() => got.size === 5, 5000)).toBe(true);

      const health = await fetch(`http://127.0.0.1:${port()}/healthz`);
      expect(health.status).toBe(200);
      const body = (await health.json()) as {
        ok: boolean;
        components: Record<string, { ok: boolean; detail: string }>;
      };
      expect(body.ok).toBe(true);
      // mqtt, the model, and whatever history sink the run command wires in (the local store by default).
      expect(Object.keys(body.components)).toEqual(expect.arrayContaining(["model:step", "mqtt"]));
      expect(Object.values(body.components).every((c) => c.ok)).toBe(true);
      const metrics = await (await fetch(`http://127.0.0.1:${port()}/metrics`)).text();
      expect(metrics).toContain('edge_agent_windows_total{site="s1",asset="a1"} 5');
      expect(metrics).toContain('edge_agent_messages_total{source="mqtt"} 5');
      expect(metrics).toMatch(
        /edge_agent_inference_latency_seconds_count\{model="step",version="1.0.0"\} [1-5]\n/,
      );
      expect(metrics).toContain("edge_agent_mqtt_connected 1");
      await sleep(600);
      expect(notify.messages.at(-1)?.fields.STATUS ?? notify.with("STATUS").at(-1)?.fields.STATUS).toMatch(
        /5 windows/,
      );
    });

    it("stops WATCHDOG=1 while the inference loop is wedged, says why, and still exits within the bound on SIGTERM", async () => {
      const wedge = join("/tmp", `edge-agent-wedge-${process.pid}-${n++}`);
      const { agent, notify, port } = await start("svc-wedge", { EDGE_AGENT_TEST_WEDGE_FILE: wedge });
      const c = await client();
      let ts = 1_700_000_100_000;
      const feed = setInterval(() => {
        c.publish("factory/s1/a1/vibration", stepPayload(ts, 0), { qos: 1 });
        ts += 256;
      }, 50);
      try {
        await sleep(1000);
        expect(notify.with("WATCHDOG", "1").length).toBeGreaterThan(0);
        writeFileSync(wedge, "test-only: inference hangs while this file exists\n");
        // Stall bound 1.5 s, checked every 0.5 s: pings end within about 2 s of the wedge.
        expect(
          await waitFor(
            () => (notify.with("STATUS").at(-1)?.fields.STATUS ?? "").includes("NOT ALIVE"),
            5000,
          ),
        ).toBe(true);
        const lastPing = notify.with("WATCHDOG", "1").at(-1)!.t;
        await sleep(2500);
        expect(notify.with("WATCHDOG", "1").filter((m) => m.t > lastPing)).toEqual([]);
        expect(notify.with("STATUS").at(-1)!.fields.STATUS).toMatch(
          /NOT ALIVE: model step: \d+ window\(s\) waiting/,
        );
        expect(
          agent.lines.some(
            (l) => l.msg === "pipeline wedged: watchdog pings withheld, systemd will restart the agent",
          ),
        ).toBe(true);
        const health = await fetch(`http://127.0.0.1:${port()}/healthz`);
        expect(health.status).toBe(503);
        const body = (await health.json()) as { components: Record<string, { ok: boolean; detail: string }> };
        expect(body.components["model:step"]).toMatchObject({ ok: false });
        expect(body.components["model:step"]!.detail).toMatch(/^wedged/);
      } finally {
        clearInterval(feed);
      }
      const t0 = Date.now();
      const code = await agent.stop("SIGTERM", 15_000);
      expect(Date.now() - t0).toBeLessThan(STOP_BOUND_MS + 1500);
      expect(code).toBe(0);
      expect(notify.with("STOPPING", "1").length).toBe(1);
    });

    it("on SIGTERM sends STOPPING=1, finishes the queued windows, publishes offline and exits 0 within the bound", async () => {
      const { agent, notify } = await start("svc-stop");
      const c = await client();
      const got = await predictions(c);
      const states: string[] = [];
      c.on("message", (t, p) => {
        if (t === "factory/agent/svc-agent/status")
          states.push((JSON.parse(p.toString()) as { state: string }).state);
      });
      await c.subscribeAsync("factory/agent/svc-agent/status", { qos: 1 });
      const N = 50;
      for (let i = 0; i < N; i++)
        await c.publishAsync("factory/s1/a1/vibration", stepPayload(1_700_000_200_000 + i * 256, 0), {
          qos: 1,
        });
      const t0 = Date.now();
      const code = await agent.stop("SIGTERM", 15_000);
      const tookMs = Date.now() - t0;
      expect(code).toBe(0);
      expect(tookMs).toBeLessThan(STOP_BOUND_MS + 1000);
      expect(notify.with("STOPPING", "1").length).toBe(1);
      expect(await waitFor(() => states.at(-1) === "offline", 3000)).toBe(true);
      const stopped = agent.lines.find((l) => l.msg === "agent stopped") as
        | { left?: Record<string, unknown> }
        | undefined;
      expect(stopped?.left).toMatchObject({ brokerKeepsNewMessages: true, windowsShedAtStop: 0 });
      // Every window the broker delivered before the stop was answered.
      expect(await waitFor(() => got.size === N, 3000)).toBe(true);
    });

    it("after SIGHUP with a broken fleet file it keeps running on the last good config, and applies the fixed one", async () => {
      const { agent, notify, dir } = await start("svc-hup");
      const good = fleet("svc-hup");
      writeFileSync(
        dir.path("fleet.yaml"),
        good.replace("topicPrefix: factory", "topicPrefix: factory\nmqtt_typo: 1"),
      );
      agent.proc.kill("SIGHUP");
      expect(
        await waitFor(
          () => agent.lines.some((l) => l.msg === "reload refused: still running the last good config"),
          10_000,
        ),
      ).toBe(true);
      expect(agent.alive()).toBe(true);
      const reloading = notify.with("RELOADING", "1");
      expect(reloading.length).toBeGreaterThanOrEqual(1);
      expect(reloading[0]!.fields.MONOTONIC_USEC).toMatch(/^\d+$/);
      expect(
        await waitFor(
          () =>
            notify
              .with("READY", "1")
              .some((m) => /reload refused: EA_CONFIG_INVALID/.test(m.fields.STATUS ?? "")),
          5000,
        ),
      ).toBe(true);
      const c = await client();
      const got = await predictions(c);
      await c.publishAsync("factory/s1/a1/vibration", stepPayload(1_700_000_300_000, 0), { qos: 1 });
      expect(await waitFor(() => got.size === 1, 5000)).toBe(true);

      // Fixed, with a second asset: a1 keeps its pipeline, a2 is added.
      writeFileSync(dir.path("fleet.yaml"), fleet("svc-hup", ["a1", "a2"]));
      agent.proc.kill("SIGHUP");
      expect(await waitFor(() => agent.lines.some((l) => l.msg === "reload applied"), 10_000)).toBe(true);
      expect(agent.lines.find((l) => l.msg === "reload applied")).toMatchObject({
        kept: 1,
        built: 1,
        dropped: 0,
      });
      const got2 = await predictions(c, "a2");
      await c.publishAsync("factory/s1/a2/vibration", stepPayload(1_700_000_300_256, 0), { qos: 1 });
      expect(await waitFor(() => got2.size === 1, 5000)).toBe(true);
    });

    it("swaps a model folder replaced under load without dropping a window: old rows on the old model, new rows on the new", async () => {
      const { agent, dir } = await start("svc-swap");
      const c = await client();
      const got = await predictions(c);
      const v2 = tempDir();
      writeFlippedStepModel(v2.path("step"));
      const sent: number[] = [];
      let ts = 1_700_000_400_000;
      // Windows flow all along (about 400/s) until well after the swap.
      let feeding = true;
      const feeder = (async () => {
        while (feeding) {
          for (let i = 0; i < 4; i++) {
            c.publish("factory/s1/a1/vibration", stepPayload(ts, 0), { qos: 1 });
            sent.push(ts);
            ts += 256;
          }
          await sleep(10);
        }
      })();
      await waitFor(() => got.size >= 100, 5000);
      // Replaced in place under load: the ONNX file first, then its manifest.
      const model = dir.path("models/step");
      copyFileSync(v2.path("step/model.onnx"), join(model, "model.onnx"));
      copyFileSync(v2.path("step/manifest.json"), join(model, "manifest.json"));
      const sentAtReplace = sent.length;
      expect(await waitFor(() => agent.lines.some((l) => l.msg === "reload applied"), 10_000)).toBe(true);
      const sentAtSwap = sent.length;
      await sleep(300);
      feeding = false;
      await feeder;
      expect(sentAtSwap).toBeGreaterThan(sentAtReplace);
      expect(sent.length).toBeGreaterThan(sentAtSwap + 50);
      expect(await waitFor(() => got.size === sent.length, 10_000)).toBe(true);
      expect([...got.values()].every((classes) => classes.length === 1)).toBe(true);
      // One switch point: every window before it answered by v1 (normal), every one after by v2 (fault).
      const classes = sent.map((t) => got.get(t)![0]);
      const firstV2 = classes.indexOf("fault");
      expect(firstV2).toBeGreaterThanOrEqual(sentAtReplace);
      expect(firstV2).toBeLessThan(sentAtSwap + 50);
      expect(classes.slice(0, firstV2).every((k) => k === "normal")).toBe(true);
      expect(classes.slice(firstV2).every((k) => k === "fault")).toBe(true);
      expect(agent.lines.find((l) => l.msg === "reload applied")).toMatchObject({
        loaded: ["step@2.0.0"],
        released: ["step@1.0.0"],
        kept: 0,
        built: 1,
      });
      expect(existsSync(v2.dir)).toBe(true);
      v2.cleanup();
    });
  },
);
