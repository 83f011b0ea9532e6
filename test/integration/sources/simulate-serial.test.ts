import { SerialPort } from "serialport";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { simulateSerialCommand } from "../../../src/cli/simulate-serial.js";
import { SIM_FRAME_FORMAT } from "../../../src/sim/serial-sensor-sim.js";
import { FrameParser } from "../../../src/sources/frame-parser.js";
import { haveTool } from "../../helpers/required-tool.js";
import { SocatPair } from "../../helpers/socat.js";

describe("edge-agent simulate --serial", () => {
  it.each<[string, string[], RegExp]>([
    ["no path", ["--format", "csv"], /needs a PATH/],
    [
      "an unknown format",
      ["--serial", "/tmp/x", "--format", "xml"],
      /--format must be one of csv, json, frame/,
    ],
    [
      "a fault of another format",
      ["--serial", "/tmp/x", "--format", "csv", "--fault", "outer_race@5"],
      /heat_dissipation, power/,
    ],
  ])("refuses %s with exit code 64 and says why", async (_name, args, message) => {
    let err = "";
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => {
      err += s;
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await simulateSerialCommand(args)).toBe(64);
    } finally {
      process.stderr.write = write;
    }
    expect(err).toMatch(message);
  });

  describe.skipIf(!haveTool("socat"))("on a pty pair", () => {
    let pty: SocatPair;
    let reader: SerialPort;
    let received: Buffer[];

    beforeEach(async () => {
      pty = await SocatPair.start();
      reader = new SerialPort({ path: pty.a, baudRate: 115200, autoOpen: false });
      received = [];
      reader.on("data", (d: Buffer) => received.push(d));
      await new Promise<void>((resolve, reject) => reader.open((e) => (e ? reject(e) : resolve())));
    });
    afterEach(async () => {
      if (reader.isOpen) await new Promise((r) => reader.close(r));
      await pty.close();
    });

    it("writes csv lines at 10 Hz in real time", async () => {
      expect(await simulateSerialCommand(["--serial", pty.b, "--format", "csv", "--seconds", "1"])).toBe(0);
      await new Promise((r) => setTimeout(r, 100));
      const lines = Buffer.concat(received)
        .toString()
        .split("\n")
        .filter((l) => l !== "");
      expect(lines.length).toBeGreaterThanOrEqual(9);
      expect(lines.length).toBeLessThanOrEqual(12);
      for (const l of lines) expect(l).toMatch(/^\d{13},\d+(\.\d)?,\d+(\.\d)?,\d+,\d+(\.\d)?,\d+,0$/);
    });

    it("writes CRC-checked frames that the frame parser reads back without a discard", async () => {
      expect(await simulateSerialCommand(["--serial", pty.b, "--format", "frame", "--seconds", "0.5"])).toBe(
        0,
      );
      await new Promise((r) => setTimeout(r, 100));
      const events = new FrameParser(SIM_FRAME_FORMAT).push(Buffer.concat(received));
      expect(events.filter((e) => e.kind === "discard")).toEqual([]);
      expect(events.length).toBeGreaterThanOrEqual(10); // 512 samples at 12 kHz: one frame per 43 ms
      for (const e of events) if (e.kind === "frame") expect(e.payload.length).toBe(8 + 4 * 512);
    });
  });
});
