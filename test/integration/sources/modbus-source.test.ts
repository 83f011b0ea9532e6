import { writeFileSync } from "node:fs";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load-config.js";
import { createLogger, type Logger } from "../../../src/ops/logger.js";
import { ModbusRtuSlave } from "../../../src/sim/modbus-rtu-slave.js";
import { type SimulatedSlave, SlaveBank } from "../../../src/sim/modbus-slave-bank.js";
import { ModbusTcpSlave } from "../../../src/sim/modbus-tcp-slave.js";
import { createSources } from "../../../src/sources/create-sources.js";
import { encodeRaw } from "../../../src/sources/modbus-registers.js";
import type { ModbusSource } from "../../../src/sources/modbus-source.js";
import { rtuT35Ms } from "../../../src/sources/poll-schedule.js";
import type { Source, SourceSink } from "../../../src/sources/source.js";
import type { Reading } from "../../../src/types.js";
import { waitFor } from "../../helpers/collect.js";
import { freePort } from "../../helpers/free-port.js";
import { haveTool } from "../../helpers/required-tool.js";
import { SocatPair } from "../../helpers/socat.js";
import { writeStepModel } from "../../helpers/step-model.js";
import { tempDir } from "../../helpers/temp-dir.js";

const INTERVAL_MS = 100;

/** A meter with three registers: int16 ×0.1, float32 low word first, uint32 input register. */
const METER_PROFILE = (connection: string) => `
transport:
  type: modbus
  connection: ${connection}
  timeoutMs: 150
  backoff: { minMs: 500, maxMs: 2000 }
  reconnect: { minMs: 100, maxMs: 1000 }
  devices:
    meter:
      unitId: 1
      pollIntervalMs: ${INTERVAL_MS}
      registers:
        temperature: { address: 0, type: int16, scale: 0.1, unit: degC }
        flow: { address: 1, type: float32, wordOrder: little }
        energy: { address: 10, function: input, type: uint32 }
codec: { type: json-scalar }
channels:
  temperature: { unit: degC }
  flow: { unit: m3/h }
  energy: { unit: kWh, scale: 0.001 }
windowing: { type: time, durationMs: 1000 }
model: { name: step }
advice:
  classes:
    normal: { severity: ok }
    fault: { severity: alarm }
`;

/** Three assets with the meter profile, at unit ids 1, 2 and 3 (or whatever `assetOverrides` says). */
const FLEET = (assetOverrides: readonly string[]) => `
agent: { id: modbus-test }
mqtt: { url: "mqtt://127.0.0.1:1" }
profilesDir: profiles
modelsDir: models
sites:
  - id: s1
    assets:
${assetOverrides.map((o, i) => `      - { id: m${i + 1}, profile: meter, overrides: { transport: ${o} } }`).join("\n")}
`;

function meterSlave(unitId: number, dead = false): SimulatedSlave {
  const [f0, f1] = encodeRaw(12.5 * unitId, "float32", "little");
  const [e0, e1] = encodeRaw(70_000 + unitId, "uint32", "big");
  return {
    unitId,
    dead,
    holding: { 0: (-215 + unitId) & 0xffff, 1: f0!, 2: f1! },
    input: { 10: e0!, 11: e1! },
  };
}

/** Readings per asset, with the poll times. */
class RecordingSink implements SourceSink {
  readonly byAsset = new Map<string, Reading[][]>();
  readonly discards: string[] = [];
  payload(): void {}
  readings(assetKey: string, readings: readonly Reading[]): void {
    const list = this.byAsset.get(assetKey) ?? [];
    list.push([...readings]);
    this.byAsset.set(assetKey, list);
  }
  discarded(_a: string, _r: "bad_frame", detail: string): void {
    this.discards.push(detail);
  }
  polls(assetKey: string): number[] {
    return (this.byAsset.get(assetKey) ?? []).map((r) => r[0]!.tsMs);
  }
}

function capturingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split("\n"))
        if (l !== "") lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger({ level: "info", destination }), lines };
}

/** Achieved poll intervals after the first second (start-up stagger left out). */
function achieved(times: readonly number[]): { polls: number; meanMs: number; p95Ms: number; maxMs: number } {
  const t = times.filter((x) => x >= times[0]! + 1000);
  const iv = t.slice(1).map((x, i) => x - t[i]!);
  const sorted = [...iv].sort((a, b) => a - b);
  return {
    polls: times.length,
    meanMs: iv.reduce((a, b) => a + b, 0) / iv.length,
    p95Ms: sorted[Math.floor(sorted.length * 0.95)] ?? Number.NaN,
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}

describe("Modbus polling against real slaves", () => {
  let dir: ReturnType<typeof tempDir> | null = null;
  let sources: Source[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const s of sources) await s.stop(1000);
    sources = [];
    for (const c of cleanups.splice(0)) await c();
    dir?.cleanup();
    dir = null;
  });

  function build(
    connection: string,
    assetOverrides: readonly string[],
    log: Logger = createLogger({ level: "silent" }),
  ): Source[] {
    dir = tempDir({ "profiles/meter.yaml": METER_PROFILE(connection) });
    writeStepModel(dir.path("models"));
    writeFileSync(dir.path("fleet.yaml"), FLEET(assetOverrides));
    const config = loadConfig(dir.path("fleet.yaml"));
    sources = createSources(config, log);
    return sources;
  }

  const units = [
    "{ devices: { meter: { unitId: 1 } } }",
    "{ devices: { meter: { unitId: 2 } } }",
    "{ devices: { meter: { unitId: 3 } } }",
  ];

  it("on one TCP gateway, polls three slaves, one dead, and the two live ones keep their rate", async () => {
    const bank = new SlaveBank([meterSlave(1), meterSlave(2), meterSlave(3, true)]);
    const port = await freePort();
    const slave = new ModbusTcpSlave(bank, port);
    await slave.start();
    cleanups.push(() => slave.stop());
    const { log, lines } = capturingLogger();
    const [source] = build(`{ type: tcp, host: 127.0.0.1, port: ${port} }`, units, log);
    expect(sources).toHaveLength(1);
    const sink = new RecordingSink();
    await source!.start(sink);
    await new Promise((r) => setTimeout(r, 5000));
    const live = ["s1/m1", "s1/m2"].map((k) => achieved(sink.polls(k)));
    process.stderr.write(
      `modbus tcp gateway, 3 slaves (1 dead), interval ${INTERVAL_MS} ms: ${JSON.stringify(live)}\n`,
    );
    for (const a of live) {
      expect(a.meanMs).toBeGreaterThan(INTERVAL_MS * 0.95);
      expect(a.meanMs).toBeLessThan(INTERVAL_MS * 1.1);
      expect(a.polls).toBeGreaterThan(45);
    }
    expect(sink.polls("s1/m3")).toEqual([]);
    const stats = (source as ModbusSource).stats();
    // 5 s with a 500 → 2000 ms backoff: at most 1 + 5 attempts at the dead slave.
    expect(stats["s1/m3#meter"]!.timeouts).toBeGreaterThan(1);
    expect(stats["s1/m3#meter"]!.timeouts).toBeLessThanOrEqual(6);
    expect(source!.status().detail).toMatch(/not answering: meter\(3\)/);
    // Values, decoded and scaled: register then channel scale.
    const first = sink.byAsset.get("s1/m2")![0]!;
    const value = (ch: string) => first.find((r) => r.channel === ch)?.samples[0];
    expect(value("temperature")).toBeCloseTo(-21.3, 5);
    expect(value("flow")).toBe(25);
    expect(value("energy")).toBeCloseTo(70.002, 3);
    expect(first.every((r) => Number.isNaN(r.sampleRateHz) && r.samples.length === 1)).toBe(true);
    // One warning for the dead slave, not one per timeout.
    expect(lines.filter((l) => l.msg === "modbus slave not answering; backing off")).toHaveLength(1);
  });

  it("gives each TCP host its own connection, so a dead host costs the others nothing", async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const slaves = ports.map((p, i) => new ModbusTcpSlave(new SlaveBank([meterSlave(1, i === 2)]), p));
    for (const s of slaves) {
      await s.start();
      cleanups.push(() => s.stop());
    }
    build(
      `{ type: tcp, host: 127.0.0.1, port: ${ports[0]} }`,
      ports.map((p) => `{ connection: { port: ${p} } }`),
    );
    expect(sources.map((s) => s.name)).toEqual(ports.map((p) => `modbus tcp 127.0.0.1:${p}`));
    const sink = new RecordingSink();
    for (const s of sources) await s.start(sink);
    await new Promise((r) => setTimeout(r, 3000));
    for (const k of ["s1/m1", "s1/m2"]) {
      const a = achieved(sink.polls(k));
      expect(a.meanMs).toBeGreaterThan(INTERVAL_MS * 0.95);
      expect(a.meanMs).toBeLessThan(INTERVAL_MS * 1.1);
      expect(a.maxMs).toBeLessThan(INTERVAL_MS + 100);
    }
    expect(sink.polls("s1/m3")).toEqual([]);
  });

  it("waits for a TCP slave that is down at start, and reconnects after it restarts", async () => {
    const port = await freePort();
    const bank = new SlaveBank([meterSlave(1)]);
    const { log, lines } = capturingLogger();
    const [source] = build(`{ type: tcp, host: 127.0.0.1, port: ${port} }`, [units[0]!], log);
    const sink = new RecordingSink();
    await source!.start(sink);
    await new Promise((r) => setTimeout(r, 1500));
    expect(source!.status().connected).toBe(false);
    let slave = new ModbusTcpSlave(bank, port);
    await slave.start();
    const t0 = Date.now();
    expect(await waitFor(() => sink.polls("s1/m1").length > 0, 3000, 5)).toBe(true);
    const firstPollMs = Date.now() - t0;
    expect(firstPollMs).toBeLessThan(2000);
    await slave.stop();
    await new Promise((r) => setTimeout(r, 500));
    const before = sink.polls("s1/m1").length;
    slave = new ModbusTcpSlave(bank, port);
    await slave.start();
    cleanups.push(() => slave.stop());
    const t1 = Date.now();
    expect(await waitFor(() => sink.polls("s1/m1").length > before, 3000, 5)).toBe(true);
    const againMs = Date.now() - t1;
    expect(againMs).toBeLessThan(2000);
    const msgs = lines.map((l) => l.msg);
    expect(msgs.filter((m) => m === "modbus connection not available; retrying")).toHaveLength(2);
    expect(msgs.filter((m) => m === "modbus reconnected")).toHaveLength(1);
    process.stderr.write(
      `modbus tcp: first poll ${firstPollMs} ms after the slave started, again ${againMs} ms after its restart\n`,
    );
  });

  it("logs a register the slave refuses once, as a profile problem, and keeps reading the others", async () => {
    const port = await freePort();
    const bank = new SlaveBank([{ ...meterSlave(1), input: {} }]); // no input register 10
    const slave = new ModbusTcpSlave(bank, port);
    await slave.start();
    cleanups.push(() => slave.stop());
    const { log, lines } = capturingLogger();
    const [source] = build(`{ type: tcp, host: 127.0.0.1, port: ${port} }`, [units[0]!], log);
    const sink = new RecordingSink();
    await source!.start(sink);
    expect(await waitFor(() => sink.polls("s1/m1").length >= 10, 3000)).toBe(true);
    expect(
      sink.byAsset
        .get("s1/m1")![5]!
        .map((r) => r.channel)
        .sort(),
    ).toEqual(["flow", "temperature"]);
    const refused = lines.filter(
      (l) => l.msg === "modbus slave refuses a read: check the register addresses in the profile",
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ code: "EA_MODBUS_EXCEPTION", channels: ["energy"], level: 50 });
    expect((source as ModbusSource).stats()["s1/m1#meter"]).toMatchObject({ answering: true, timeouts: 0 });
  });

  it("stops within its bound while a request to a dead slave is in flight, and closes the connection", async () => {
    const bank = new SlaveBank([meterSlave(1, true)]);
    const port = await freePort();
    const slave = new ModbusTcpSlave(bank, port);
    await slave.start();
    cleanups.push(() => slave.stop());
    const [source] = build(`{ type: tcp, host: 127.0.0.1, port: ${port} }`, [
      "{ timeoutMs: 5000, devices: { meter: { unitId: 1 } } }",
    ]);
    await source!.start(new RecordingSink());
    expect(await waitFor(() => source!.status().connected, 2000)).toBe(true);
    await new Promise((r) => setTimeout(r, 200)); // the request is out, its answer will never come
    const t0 = Date.now();
    await source!.stop(400);
    const stopMs = Date.now() - t0;
    sources = [];
    expect(stopMs).toBeLessThan(400 + 100);
    expect(source!.status().connected).toBe(false);
    expect(await waitFor(() => slave.connections === 0, 1000)).toBe(true);
  });

  describe.skipIf(!haveTool("socat"))("over an RTU bus on a pty pair", () => {
    it("polls three slaves, one dead, keeps the live ones' rate and 3.5 character times between frames", async () => {
      const pty = await SocatPair.start();
      cleanups.push(() => pty.close());
      const bank = new SlaveBank([meterSlave(1), meterSlave(2), meterSlave(3, true)]);
      const slave = new ModbusRtuSlave(bank, pty.b);
      await slave.start(19200);
      cleanups.push(() => slave.stop());
      const [source] = build(`{ type: rtu, path: ${pty.a}, baudRate: 19200 }`, units);
      const sink = new RecordingSink();
      await source!.start(sink);
      await new Promise((r) => setTimeout(r, 5000));
      const live = ["s1/m1", "s1/m2"].map((k) => achieved(sink.polls(k)));
      const minGapMs = Math.min(...slave.gapsMs);
      process.stderr.write(
        `modbus rtu bus 19200 8E1, 3 slaves (1 dead), interval ${INTERVAL_MS} ms: ${JSON.stringify(live)}; ` +
          `min silence before a request ${minGapMs.toFixed(2)} ms (t3.5 = ${rtuT35Ms(19200).toFixed(2)} ms), bad CRCs ${slave.stats.badCrc}\n`,
      );
      for (const a of live) {
        expect(a.meanMs).toBeGreaterThan(INTERVAL_MS * 0.95);
        expect(a.meanMs).toBeLessThan(INTERVAL_MS * 1.1);
        expect(a.polls).toBeGreaterThan(45);
      }
      expect(sink.polls("s1/m3")).toEqual([]);
      expect(slave.stats.badCrc).toBe(0);
      expect(slave.gapsMs.length).toBeGreaterThan(100);
      expect(minGapMs).toBeGreaterThanOrEqual(rtuT35Ms(19200));
      expect(sink.byAsset.get("s1/m1")![0]!.find((r) => r.channel === "flow")?.samples[0]).toBe(12.5);
    });

    it("reopens the RTU port after the adapter is unplugged and plugged back", async () => {
      const pty = await SocatPair.start();
      cleanups.push(() => pty.close());
      const bank = new SlaveBank([meterSlave(1)]);
      let slave = new ModbusRtuSlave(bank, pty.b);
      await slave.start(19200);
      const [source] = build(`{ type: rtu, path: ${pty.a}, baudRate: 19200 }`, [units[0]!]);
      const sink = new RecordingSink();
      await source!.start(sink);
      expect(await waitFor(() => sink.polls("s1/m1").length >= 5, 3000)).toBe(true);
      await slave.stop();
      await pty.unplug();
      await new Promise((r) => setTimeout(r, 800));
      await pty.replug();
      slave = new ModbusRtuSlave(bank, pty.b);
      await slave.start(19200);
      cleanups.push(() => slave.stop());
      const before = sink.polls("s1/m1").length;
      const t0 = Date.now();
      expect(await waitFor(() => sink.polls("s1/m1").length > before, 4000, 5)).toBe(true);
      const resumedMs = Date.now() - t0;
      expect(resumedMs).toBeLessThan(2000);
      process.stderr.write(`modbus rtu: polling resumed ${resumedMs} ms after the replug\n`);
    });
  });
});
