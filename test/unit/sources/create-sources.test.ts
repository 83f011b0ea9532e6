import { writeFileSync } from "node:fs";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load-config.js";
import { serialTransportSchema } from "../../../src/config/transport-schemas.js";
import { createLogger } from "../../../src/ops/logger.js";
import { createSources } from "../../../src/sources/create-sources.js";
import { serialCommandBytes } from "../../../src/sources/serial-commands.js";
import { writeStepModel } from "../../helpers/step-model.js";
import { tempDir } from "../../helpers/temp-dir.js";

const TAIL = `
codec: { type: json-scalar }
channels: { temperature: { unit: degC }, pressure: { unit: bar } }
windowing: { type: time, durationMs: 1000 }
model: { name: step }
advice: { classes: { normal: { severity: ok }, fault: { severity: alarm } } }
`;
const SERIAL = `transport: { type: serial, path: /dev/serial/by-id/usb-sensor-0, baudRate: 115200 }${TAIL}`;
const MODBUS = `
transport:
  type: modbus
  connection: { type: rtu, path: /dev/serial/by-id/usb-rs485-0 }
  devices:
    meter: { unitId: 1, registers: { temperature: { address: 0 }, pressure: { address: 1 } } }
${TAIL}`;
const MODBUS_BAD_CHANNEL = MODBUS.replace("pressure: { address: 1 }", "flow: { address: 1 }");

function fleet(assets: readonly string[]): string {
  return `
agent: { id: t }
mqtt: { url: "mqtt://127.0.0.1:1" }
profilesDir: profiles
modelsDir: models
sites:
  - id: s1
    assets:
${assets.map((a) => `      - ${a}`).join("\n")}
`;
}

describe("createSources", () => {
  let dir: ReturnType<typeof tempDir> | null = null;
  afterEach(() => {
    dir?.cleanup();
    dir = null;
  });

  function build(assets: readonly string[]) {
    dir = tempDir({
      "profiles/serial.yaml": SERIAL,
      "profiles/modbus.yaml": MODBUS,
      "profiles/modbus-bad.yaml": MODBUS_BAD_CHANNEL,
    });
    writeStepModel(dir.path("models"));
    writeFileSync(dir.path("fleet.yaml"), fleet(assets));
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split("\n"))
          if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const sources = createSources(
      loadConfig(dir.path("fleet.yaml")),
      createLogger({ level: "info", destination }),
    );
    return {
      names: sources.map((s) => s.name),
      errors: lines.filter((l) => l.level === 50).map((l) => [l.asset, l.code]),
    };
  }

  it.each<[string, string[], string[], unknown[][]]>([
    [
      "a serial source per port, with the path from each asset's overrides",
      [
        "{ id: a, profile: serial, overrides: { transport: { path: /dev/serial/by-id/usb-sensor-1 } } }",
        "{ id: b, profile: serial, overrides: { transport: { path: /dev/serial/by-id/usb-sensor-2 } } }",
      ],
      ["serial /dev/serial/by-id/usb-sensor-1", "serial /dev/serial/by-id/usb-sensor-2"],
      [],
    ],
    [
      "one Modbus source per bus, polling the slaves of every asset on it",
      [
        "{ id: a, profile: modbus }",
        "{ id: b, profile: modbus, overrides: { transport: { devices: { meter: { unitId: 2 } } } } }",
        "{ id: c, profile: modbus, overrides: { transport: { connection: { path: /dev/serial/by-id/usb-rs485-1 } } } }",
      ],
      ["modbus rtu /dev/serial/by-id/usb-rs485-0", "modbus rtu /dev/serial/by-id/usb-rs485-1"],
      [],
    ],
    [
      "no source for a second asset on the same serial port",
      ["{ id: a, profile: serial }", "{ id: b, profile: serial }"],
      ["serial /dev/serial/by-id/usb-sensor-0"],
      [["s1/b", "EA_SERIAL_PORT_CONFLICT"]],
    ],
    [
      "no source for lines on a port that is a Modbus bus",
      [
        "{ id: a, profile: modbus }",
        "{ id: b, profile: serial, overrides: { transport: { path: /dev/serial/by-id/usb-rs485-0 } } }",
      ],
      ["modbus rtu /dev/serial/by-id/usb-rs485-0"],
      [["s1/b", "EA_SERIAL_PORT_CONFLICT"]],
    ],
    [
      "no second poller of the same unit id on a bus",
      ["{ id: a, profile: modbus }", "{ id: b, profile: modbus }"],
      ["modbus rtu /dev/serial/by-id/usb-rs485-0"],
      [["s1/b", "EA_MODBUS_UNIT_CONFLICT"]],
    ],
    [
      "no RTU bus polled at two baud rates",
      [
        "{ id: a, profile: modbus }",
        "{ id: b, profile: modbus, overrides: { transport: { connection: { baudRate: 9600 }, devices: { meter: { unitId: 2 } } } } }",
      ],
      ["modbus rtu /dev/serial/by-id/usb-rs485-0"],
      [["s1/b", "EA_SERIAL_PORT_CONFLICT"]],
    ],
  ])("%s", (_name, assets, names, errors) => {
    const r = build(assets);
    expect(r.names).toEqual(names);
    expect(r.errors).toEqual(errors);
  });

  it("never polls registers for channels the profile lacks: profile validation disables the asset first", () => {
    const r = build(["{ id: a, profile: modbus-bad }"]);
    expect(r.names).toEqual([]);
    const config = loadConfig(dir!.path("fleet.yaml"));
    expect(config.disabled.map((d) => d.ref.key)).toEqual(["s1/a"]);
    expect(config.profileIssues.map((i) => i.path).join(" ")).toMatch(/^transport\./);
  });
});

describe("serialCommandBytes", () => {
  const t = serialTransportSchema.parse({
    type: "serial",
    path: "/dev/ttyUSB0",
    framing: { type: "frames", crc: "ccitt" },
    commands: { stop: { text: "STOP\r\n" }, relay: { hex: "01 05 00 01", framed: true }, raw: { hex: "ff" } },
  });

  it.each<[string, number[]]>([
    ["stop", [...Buffer.from("STOP\r\n")]],
    ["raw", [0xff]],
    // AA 55, length 4 (LE), payload, CRC-16/CCITT-FALSE of 04 00 01 05 00 01 = 0x85D4, high byte first
    ["relay", [0xaa, 0x55, 0x04, 0x00, 0x01, 0x05, 0x00, 0x01, 0x85, 0xd4]],
  ])("command %s is written as its bytes", (name, bytes) => {
    expect([...serialCommandBytes(t, name)]).toEqual(bytes);
  });

  it("names the commands it knows when asked for another", () => {
    expect(() => serialCommandBytes(t, "start")).toThrow(/no command "start".*known: stop, relay, raw/);
  });

  it("refuses a framed command without frame framing, and a command with both text and hex", () => {
    const r = serialTransportSchema.safeParse({
      type: "serial",
      path: "/dev/ttyUSB0",
      commands: { a: { hex: "01", framed: true }, b: { hex: "01", text: "x" } },
    });
    expect(r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`).sort()).toEqual([
      "commands.a.framed: framed needs framing.type: frames",
      "commands.b: give exactly one of text or hex",
    ]);
  });
});
