import { writeFileSync } from "node:fs";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { commandKey } from "../../../src/actions/action-jobs.js";
import type { ActionMqtt } from "../../../src/actions/action-mqtt.js";
import { registerActionMetrics } from "../../../src/actions/action-metrics.js";
import { planJobs } from "../../../src/actions/action-rules.js";
import { SerialCommandTransport } from "../../../src/actions/command-transport.js";
import { OutboxStore } from "../../../src/actions/outbox-store.js";
import { waitFor } from "../../helpers/collect.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { collectingLogger, makeConsumer } from "../../fixtures/actions/harness.js";
import { asset, DEFAULT_ACTIONS, episode, pumpProfile } from "../../fixtures/actions/scenario.js";

/** Records what would go to the broker (pure logic under test here; the broker is in the integration tests). */
class RecordingMqtt implements ActionMqtt {
  readonly published: { topic: string; payload: string }[] = [];
  publish(topic: string, payload: string | Buffer): void {
    this.published.push({ topic, payload: payload.toString() });
  }
  subscribe(): void {}
  onMessage(): void {}
  isConnected(): boolean {
    return true;
  }
}

const PUMP = asset(pumpProfile());
let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
});

function dir() {
  const t = tempDir();
  cleanup.push(t.cleanup);
  return t;
}

describe("ActionConsumer", () => {
  it("writes an advice's jobs to the outbox file before onAdvice returns", async () => {
    const t = dir();
    const c = makeConsumer({
      dir: t.dir,
      ticketTargets: { sn: { type: "webhook", url: "http://127.0.0.1:9" } },
      actions: { rules: [{ tickets: ["sn"] }] },
    });
    await c.start();
    c.onAdvice(episode("s1.p1.step3.w", 1000)[0]!, PUMP);
    const counts = c.stats().outbox;
    await c.stop(500);
    expect(counts.active).toBe(1);
    const store = OutboxStore.open(t.path("state/outbox.db"), { maxJobs: 10, maxBytes: 1 << 20 });
    cleanup.push(() => store.close());
    expect(store.counts().active).toBe(1);
  });

  it("reports a command found mid-send after a crash as unknown, and never sends it", async () => {
    const t = dir();
    const file = t.path("state/outbox.db");
    const store = OutboxStore.open(file, { maxJobs: 10, maxBytes: 1 << 20 });
    const esc = episode("s1.p1.step3.c", Date.now())[1]!;
    const jobs = planJobs(esc, {
      actions: PUMP.profile.actions,
      normalClass: "normal",
      maxMode: "auto",
      knownTargets: new Set(),
      episodeTickets: [],
    }).jobs;
    store.insert(jobs, Date.now());
    const cmd = store.byKey(commandKey("s1", "p1", "seizure", esc.episodeId, "stop"))!;
    store.beginAttempt(cmd.id, Date.now(), true); // the process died here
    store.close();

    const mqtt = new RecordingMqtt();
    const { log, lines } = collectingLogger();
    const c = makeConsumer({ dir: t.dir, actions: DEFAULT_ACTIONS, mqtt, log });
    await c.start();
    await new Promise((r) => setTimeout(r, 200));
    await c.stop(500);
    expect(mqtt.published.map((p) => p.topic)).toEqual([`factory/s1/p1/actions/${cmd.cmdId}/audit`]);
    expect(JSON.parse(mqtt.published[0]!.payload)).toMatchObject({
      event: "unknown",
      code: "EA_COMMAND_OUTCOME_UNKNOWN",
    });
    expect(lines.find((l) => l.event === "unknown")).toMatchObject({ level: 50 });
  });

  it("refuses new actions when the outbox is full, with one error line, a counter and a metric", async () => {
    const t = dir();
    const { log, lines } = collectingLogger();
    const c = makeConsumer({
      dir: t.dir,
      ticketTargets: { sn: { type: "webhook", url: "http://127.0.0.1:9" } },
      actions: { rules: [{ tickets: ["sn"] }] },
      outbox: { maxJobs: 2, retry: { minMs: 60_000, maxMs: 60_000 } },
      log,
    });
    await c.start();
    for (let i = 0; i < 5; i++) c.onAdvice(episode(`s1.p1.step3.f${i}`, 1000 * i)[0]!, PUMP);
    const registry = new Registry();
    registerActionMetrics(registry, c);
    const metrics = await registry.metrics();
    await c.stop(500);
    expect(c.stats()).toMatchObject({ jobsWritten: 2, rejectedFull: 3, full: true });
    const full = lines.filter((l) => l.code === "EA_OUTBOX_FULL");
    expect(full).toHaveLength(1);
    expect(full[0]).toMatchObject({ level: 50, msg: expect.stringContaining("the outbox is full") });
    expect(metrics).toContain("edge_agent_outbox_full 1");
    expect(metrics).toContain("edge_agent_outbox_rejected_total 3");
    expect(metrics).toContain('edge_agent_outbox_jobs_by_state{state="waiting"} 2');
  });

  it("never throws into the pipeline, even before it was started", () => {
    const c = makeConsumer({ dir: "/nonexistent" });
    expect(() => c.onAdvice(episode("e", 1)[0]!, PUMP)).not.toThrow();
    expect(c.stats().errors).toBe(1);
  });

  it("refuses to start on an outbox it cannot create, with EA_OUTBOX_OPEN", async () => {
    const t = dir();
    writeFileSync(t.path("not-a-folder"), "");
    const c = makeConsumer({ dir: t.dir, outbox: { path: "not-a-folder/outbox.db" } });
    await expect(c.start()).rejects.toMatchObject({ code: "EA_OUTBOX_OPEN" });
  });

  it("delivers a queued job as soon as it is written", async () => {
    const t = dir();
    const mqtt = new RecordingMqtt();
    const c = makeConsumer({ dir: t.dir, actions: DEFAULT_ACTIONS, mqtt });
    await c.start();
    c.onAdvice(episode("s1.p1.step3.d", Date.now())[1]!, PUMP);
    expect(await waitFor(() => c.waiting() === 0, 2000)).toBe(true);
    await c.stop(500);
    expect(mqtt.published.map((p) => p.topic)).toEqual([
      "factory/s1/p1/cmd",
      expect.stringMatching(/\/audit$/),
    ]);
  });
});

describe("serial commands", () => {
  const SERIAL = {
    rules: [{ minSeverity: "critical" as const, commands: ["stop"] }],
    commands: {
      stop: {
        transport: {
          type: "serial" as const,
          port: "/dev/ttyRS485",
          frame: "01 06 00 10 00 00",
          encoding: "hex" as const,
        },
        mode: "auto" as const,
        maxAgeS: 0.3,
      },
    },
  };

  class Ports {
    readonly written: { path: string; bytes: number[] }[] = [];
    constructor(private readonly state: Record<string, boolean>) {}
    get(path: string) {
      const connected = this.state[path];
      return connected === undefined ? undefined : { connected };
    }
    async write(path: string, bytes: Uint8Array) {
      this.written.push({ path, bytes: [...bytes] });
    }
  }

  async function runWith(ports: Ports) {
    const t = dir();
    const mqtt = new RecordingMqtt();
    const c = makeConsumer({
      dir: t.dir,
      actions: SERIAL,
      mqtt,
      transports: { serial: new SerialCommandTransport(ports) },
    });
    await c.start();
    c.onAdvice(episode(`s1.p1.step3.s${Math.random()}`, Date.now())[1]!, asset(pumpProfile(SERIAL)));
    expect(await waitFor(() => c.waiting() === 0, 3000)).toBe(true);
    await c.stop(500);
    return mqtt.published.map((p) => JSON.parse(p.payload) as { event: string; code?: string });
  }

  it("writes the frame to the port a source holds", async () => {
    const ports = new Ports({ "/dev/ttyRS485": true });
    expect((await runWith(ports)).map((e) => e.event)).toEqual(["sent"]);
    expect(ports.written).toEqual([{ path: "/dev/ttyRS485", bytes: [1, 6, 0, 16, 0, 0] }]);
  });

  it("waits while the port is disconnected and drops the command at maxAgeS, never writing it late", async () => {
    const ports = new Ports({ "/dev/ttyRS485": false });
    expect(await runWith(ports)).toEqual([
      expect.objectContaining({ event: "expired", code: "EA_COMMAND_EXPIRED" }),
    ]);
    expect(ports.written).toEqual([]);
  });

  it("refuses a command for a port no source holds", async () => {
    const ports = new Ports({});
    expect(await runWith(ports)).toEqual([
      expect.objectContaining({ event: "refused", code: "EA_COMMAND_NO_TRANSPORT" }),
    ]);
  });
});
