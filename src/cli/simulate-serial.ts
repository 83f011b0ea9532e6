import { parseArgs } from "node:util";
import { SerialPort } from "serialport";
import { SERIAL_SIM_FORMATS, type SerialSimFormat, SerialSensorSim } from "../sim/serial-sensor-sim.js";
import { EX_OK, EX_USAGE } from "./exit-codes.js";

export const SIMULATE_SERIAL_USAGE = `edge-agent simulate --serial PATH [--format json|csv|frame] [--fault CLASS@SECONDS] [--baud N] [--seconds N] [--rpm N]

Writes a simulated sensor into a serial port, normally one end of a pty pair:
  socat -d -d pty,raw,echo=0,link=/tmp/ttyV0 pty,raw,echo=0,link=/tmp/ttyV1
  edge-agent simulate --serial /tmp/ttyV1 --format json --fault outer_race@20
and a profile with  transport: { type: serial, path: /tmp/ttyV0 }  reads it.
  json   bearing vibration blocks as JSON lines      (profile example-serial-accelerometer)
  frame  the same as binary frames with CRC-16       (profile example-serial-accelerometer-frames)
  csv    milling-machine process values at 10 Hz     (profile example-serial-mill)
Faults: json/frame inner_race, outer_race, ball; csv heat_dissipation, power, overstrain, tool_wear.
If the port goes away (socat stopped) it is reopened every 500 ms.`;

/** `edge-agent simulate --serial PATH`: a sensor on a serial line, for running the pipeline without hardware. */
export async function simulateSerialCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      serial: { type: "string" },
      format: { type: "string", default: "json" },
      fault: { type: "string" },
      baud: { type: "string", default: "115200" },
      seconds: { type: "string", default: "0" },
      rpm: { type: "string", default: "1797" },
      seed: { type: "string", default: "1" },
    },
  });
  const usage = (msg: string) => {
    process.stderr.write(`${msg}\n\n${SIMULATE_SERIAL_USAGE}\n`);
    return EX_USAGE;
  };
  if (!values.serial) return usage("simulate --serial needs a PATH");
  const format = values.format as SerialSimFormat;
  if (!SERIAL_SIM_FORMATS.includes(format))
    return usage(`--format must be one of ${SERIAL_SIM_FORMATS.join(", ")}`);
  let fault: { condition: string; afterS: number } | undefined;
  if (values.fault !== undefined) {
    const m = /^([a-z_]+)@(\d+(?:\.\d+)?)$/.exec(values.fault);
    if (!m || !SerialSensorSim.faults(format).includes(m[1]!)) {
      return usage(
        `--fault must be CLASS@SECONDS with CLASS one of ${SerialSensorSim.faults(format).join(", ")}`,
      );
    }
    fault = { condition: m[1]!, afterS: Number(m[2]) };
  }
  const baudRate = Number(values.baud);
  const seconds = Number(values.seconds);
  if (!(baudRate > 0) || !(seconds >= 0)) return usage("--baud must be positive and --seconds not negative");

  const sim = new SerialSensorSim({
    format,
    seed: Number(values.seed),
    shaftRpm: Number(values.rpm),
    ...(fault ? { fault } : {}),
  });
  const path = values.serial;
  let port: SerialPort | null = null;
  let stopped = false;
  let written = 0;
  let announced = false;
  const open = () => {
    const p = new SerialPort({ path, baudRate, autoOpen: false });
    p.on("error", () => {});
    p.open((err) => {
      if (stopped) {
        if (!err) p.close();
        return;
      }
      if (err) {
        if (!announced) process.stderr.write(`cannot open ${path} (${err.message}); retrying every 500 ms\n`);
        announced = true;
        setTimeout(open, 500);
        return;
      }
      announced = false;
      port = p;
      process.stdout.write(`writing ${format} to ${path} every ${sim.periodMs.toFixed(0)} ms\n`);
      p.on("close", () => {
        port = null;
        if (!stopped) {
          process.stderr.write(`${path} closed; reopening\n`);
          setTimeout(open, 500);
        }
      });
    });
  };
  open();

  const t0 = Date.now();
  let due = 0;
  const timer = setInterval(
    () => {
      const elapsedMs = Date.now() - t0;
      // Real time: as many lines or frames as are due by now (the sample clock never drifts).
      while (due * sim.periodMs <= elapsedMs) {
        const bytes = sim.next(t0 + due * sim.periodMs, (due * sim.periodMs) / 1000);
        due++;
        if (port?.isOpen) {
          port.write(Buffer.from(bytes));
          written++;
        }
      }
    },
    Math.max(10, Math.floor(sim.periodMs / 2)),
  );
  await new Promise<void>((resolve) => {
    if (seconds > 0) setTimeout(resolve, seconds * 1000);
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  stopped = true;
  clearInterval(timer);
  const p = port as SerialPort | null;
  if (p?.isOpen) await new Promise<void>((resolve) => p.drain(() => p.close(() => resolve())));
  process.stdout.write(`wrote ${written} ${format === "frame" ? "frames" : "lines"}\n`);
  return EX_OK;
}
