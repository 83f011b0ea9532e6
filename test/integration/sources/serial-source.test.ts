import { Writable } from "node:stream";
import { SerialPort } from "serialport";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serialTransportSchema } from "../../../src/config/transport-schemas.js";
import { createLogger, type Logger } from "../../../src/ops/logger.js";
import { encodeFrame, type FrameFormat } from "../../../src/sources/frame-parser.js";
import { SerialCommandSender, sendSerialCommand } from "../../../src/sources/serial-commands.js";
import { SerialPortManager } from "../../../src/sources/serial-port-manager.js";
import { SerialSource } from "../../../src/sources/serial-source.js";
import type { SourceSink } from "../../../src/sources/source.js";
import { mulberry32 } from "../../../src/training/prng.js";
import { waitFor } from "../../helpers/collect.js";
import { haveTool } from "../../helpers/required-tool.js";
import { SocatPair } from "../../helpers/socat.js";

const ASSET = "s1/a1";
const FORMAT: FrameFormat = {
  startMarker: Uint8Array.of(0xaa, 0x55),
  lengthBytes: 2,
  lengthByteOrder: "le",
  crc: "modbus",
  maxPayloadBytes: 4096,
};

/** What a source delivered. */
class RecordingSink implements SourceSink {
  readonly payloads: string[] = [];
  readonly discards: string[] = [];
  payload(assetKey: string, payload: Uint8Array): void {
    if (assetKey === ASSET) this.payloads.push(Buffer.from(payload).toString("latin1"));
  }
  readings(): void {}
  discarded(_assetKey: string, _reason: "bad_frame", detail: string): void {
    this.discards.push(detail);
  }
}

/** JSON log lines, for checking what was logged. */
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

async function openWriter(path: string): Promise<SerialPort> {
  const p = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => p.open((e) => (e ? reject(e) : resolve())));
  p.on("error", () => {});
  return p;
}

async function send(p: SerialPort, bytes: Uint8Array | string): Promise<void> {
  p.write(typeof bytes === "string" ? bytes : Buffer.from(bytes));
  await new Promise<void>((resolve) => p.drain(() => resolve()));
}

describe.skipIf(!haveTool("socat"))("the serial source on a real pty pair", () => {
  let pty: SocatPair;
  let ports: SerialPortManager;
  let source: SerialSource | null = null;
  let writer: SerialPort | null = null;

  beforeEach(async () => {
    pty = await SocatPair.start();
  });
  afterEach(async () => {
    await source?.stop(1000);
    source = null;
    if (writer?.isOpen) await new Promise((r) => writer!.close(r));
    writer = null;
    await pty.close();
  });

  function makeSource(
    transport: Record<string, unknown>,
    log: Logger = createLogger({ level: "silent" }),
  ): SerialSource {
    ports = new SerialPortManager(log);
    const t = serialTransportSchema.parse({ type: "serial", path: pty.a, baudRate: 115200, ...transport });
    source = new SerialSource({ assetKey: ASSET, transport: t, ports, log });
    return source;
  }

  it("delivers each line as one payload, drops the cut first line, and counts overlong lines as discards", async () => {
    const sink = new RecordingSink();
    const s = makeSource({ framing: { type: "lines", maxLineBytes: 32 } });
    await s.start(sink);
    expect(await waitFor(() => s.status().connected, 2000)).toBe(true);
    writer = await openWriter(pty.b);
    await send(writer, "ing cut by the open\n1700000000000,1.5\r\n1700000000001,");
    await send(writer, `2.5\n${"x".repeat(100)}\n1700000000002,3.5\n`);
    expect(await waitFor(() => sink.payloads.length >= 3, 2000)).toBe(true);
    expect(sink.payloads).toEqual(["1700000000000,1.5", "1700000000001,2.5", "1700000000002,3.5"]);
    expect(sink.discards).toEqual(["line longer than 32 bytes"]);
  });

  it("waits for a port missing at start-up and reads it within 2 s of its appearing", async () => {
    await pty.unplug();
    const { log, lines } = capturingLogger();
    const sink = new RecordingSink();
    const s = makeSource({ framing: { type: "frames" } }, log);
    await s.start(sink);
    expect(s.status().connected).toBe(false);
    await new Promise((r) => setTimeout(r, 1500)); // several failed attempts
    expect(s.status()).toMatchObject({ connected: false });
    expect(s.status().detail).toMatch(/EA_SERIAL_NOT_FOUND/);
    await pty.replug();
    const t0 = Date.now();
    expect(await waitFor(() => s.status().connected, 3000, 5)).toBe(true);
    const reconnectMs = Date.now() - t0;
    expect(reconnectMs).toBeLessThan(2000);
    writer = await openWriter(pty.b);
    await send(writer, encodeFrame(FORMAT, Buffer.from("hello")));
    expect(await waitFor(() => sink.payloads.length === 1, 2000)).toBe(true);
    expect(sink.payloads).toEqual(["hello"]);
    // One line for the missing device, one when it opened: not one per retry.
    const msgs = lines.map((l) => l.msg);
    expect(msgs.filter((m) => m === "serial port not available; retrying")).toHaveLength(1);
    expect(msgs.filter((m) => m === "serial port open")).toHaveLength(1);
    process.stderr.write(`serial: missing at start, opened ${reconnectMs} ms after the device appeared\n`);
  });

  it("reconnects by itself within 2 s of a replug, and every frame it delivers is one that was sent", async () => {
    const { log, lines } = capturingLogger();
    const sink = new RecordingSink();
    const s = makeSource({ framing: { type: "frames" } }, log);
    await s.start(sink);
    expect(await waitFor(() => s.status().connected, 2000)).toBe(true);
    writer = await openWriter(pty.b);
    const sent = new Set<string>();
    let n = 0;
    const burst = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const text = `frame-${n++}-${"x".repeat(n % 50)}`;
        sent.add(text);
        await send(writer!, encodeFrame(FORMAT, Buffer.from(text)));
      }
    };
    await burst(50);
    expect(await waitFor(() => sink.payloads.length === 50, 2000)).toBe(true);
    // Unplug mid-frame: half a frame goes out, then the device vanishes.
    await send(writer, encodeFrame(FORMAT, Buffer.from("cut-frame")).subarray(0, 6));
    await new Promise((r) => setTimeout(r, 50));
    await pty.unplug();
    expect(await waitFor(() => !s.status().connected, 2000)).toBe(true);
    await new Promise((r) => setTimeout(r, 700));
    await pty.replug();
    const t0 = Date.now();
    expect(await waitFor(() => s.status().connected, 3000, 5)).toBe(true);
    const reconnectMs = Date.now() - t0;
    expect(reconnectMs).toBeLessThan(2000);
    writer = await openWriter(pty.b);
    await burst(50);
    expect(await waitFor(() => sink.payloads.length === 100, 2000)).toBe(true);
    expect(sink.payloads.every((p) => sent.has(p))).toBe(true);
    expect(new Set(sink.payloads).size).toBe(100);
    expect(sink.discards).toEqual(["6 bytes of an unfinished frame dropped at reopen"]);
    const msgs = lines.map((l) => l.msg);
    expect(msgs.filter((m) => m === "serial port closed; reopening when the device is back")).toHaveLength(1);
    expect(msgs.filter((m) => m === "serial port reopened")).toHaveLength(1);
    expect(msgs.filter((m) => m === "serial port not available; retrying")).toHaveLength(0);
    process.stderr.write(`serial: reopened ${reconnectMs} ms after the replug\n`);
  });

  it("turns 1 MB of random bytes into counted discards without crashing, and frames after it still arrive", async () => {
    const sink = new RecordingSink();
    const s = makeSource({ framing: { type: "frames", maxPayloadBytes: 1024 } });
    await s.start(sink);
    expect(await waitFor(() => s.status().connected, 2000)).toBe(true);
    writer = await openWriter(pty.b);
    await send(writer, encodeFrame(FORMAT, Buffer.from("before")));
    const random = mulberry32(11);
    const noise = new Uint8Array(1 << 20);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(random() * 256);
    for (let off = 0; off < noise.length; off += 65536) await send(writer, noise.subarray(off, off + 65536));
    for (let i = 0; i < 5; i++) await send(writer, encodeFrame(FORMAT, Buffer.from(`after-${i}`)));
    expect(await waitFor(() => sink.payloads.includes("after-4"), 10_000)).toBe(true);
    expect(sink.payloads[0]).toBe("before");
    expect(sink.payloads.slice(-5)).toEqual(["after-0", "after-1", "after-2", "after-3", "after-4"]);
    expect(sink.payloads.length).toBe(6);
    expect(sink.discards.length).toBeGreaterThan(0);
    const skipped = sink.discards.reduce((sum, d) => sum + Number(/^(\d+) bytes/.exec(d)?.[1] ?? 0), 0);
    expect(skipped).toBe(1 << 20);
    expect(s.status().connected).toBe(true);
  });

  it("holds the port's lock while running and releases it on stop", async () => {
    const s = makeSource({});
    await s.start(new RecordingSink());
    expect(await waitFor(() => s.status().connected, 2000)).toBe(true);
    const second = new SerialPort({ path: pty.a, baudRate: 115200, autoOpen: false });
    const refused = await new Promise<Error | null>((resolve) => second.open((e) => resolve(e)));
    expect(refused?.message).toMatch(/lock/i);
    await s.stop(1000);
    source = null;
    const third = new SerialPort({ path: pty.a, baudRate: 115200, autoOpen: false });
    const ok = await new Promise<Error | null>((resolve) => third.open((e) => resolve(e)));
    expect(ok).toBeNull();
    await new Promise((r) => third.close(r));
  });

  it("writes actuator frames through the same port, and fails clearly when the port is gone", async () => {
    const s = makeSource({ framing: { type: "frames" } });
    await s.start(new RecordingSink());
    expect(await waitFor(() => s.status().connected, 2000)).toBe(true);
    writer = await openWriter(pty.b);
    const got: Buffer[] = [];
    writer.on("data", (d: Buffer) => got.push(d));
    const frame = encodeFrame(FORMAT, Buffer.from("STOP"));
    await ports.write(pty.a, frame);
    expect(await waitFor(() => Buffer.concat(got).length >= frame.length, 2000)).toBe(true);
    expect([...Buffer.concat(got)]).toEqual([...frame]);
    // A profile's named command goes out through the same port.
    const transport = serialTransportSchema.parse({
      type: "serial",
      path: pty.a,
      commands: { stop: { text: "STOP\n" } },
    });
    const asset = { ref: { key: ASSET }, profile: { transport } };
    got.length = 0;
    await sendSerialCommand(ports, asset, "stop");
    expect(await waitFor(() => Buffer.concat(got).toString() === "STOP\n", 2000)).toBe(true);
    await expect(sendSerialCommand(ports, asset, "start")).rejects.toMatchObject({
      code: "EA_SERIAL_UNKNOWN_COMMAND",
    });
    // The actions' command transport: to the asset's own port, or to a path.
    const sender = new SerialCommandSender(ports, [asset]);
    got.length = 0;
    await sender.send({ site: "s1", asset: "a1", destination: "asset" }, Buffer.from("A\n"));
    await sender.send({ site: "s1", asset: "a1", destination: pty.a }, Buffer.from("B\n"));
    expect(await waitFor(() => Buffer.concat(got).toString() === "A\nB\n", 2000)).toBe(true);
    await expect(
      sender.send({ site: "s1", asset: "a2", destination: "asset" }, Buffer.from("x")),
    ).rejects.toMatchObject({
      code: "EA_SERIAL_UNKNOWN_PORT",
    });
    await expect(ports.write("/dev/serial/by-id/nothing", frame)).rejects.toMatchObject({
      code: "EA_SERIAL_UNKNOWN_PORT",
    });
    await pty.unplug();
    expect(await waitFor(() => !s.status().connected, 2000)).toBe(true);
    await expect(ports.write(pty.a, frame)).rejects.toMatchObject({ code: "EA_SERIAL_DISCONNECTED" });
  });
});
