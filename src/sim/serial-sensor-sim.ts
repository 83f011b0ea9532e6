import type { FrameFormat } from "../sources/frame-parser.js";
import { encodeFrame } from "../sources/frame-parser.js";
import { gaussian, mulberry32, type Rand } from "../training/prng.js";
import {
  BEARING_CONDITIONS,
  type BearingCondition,
  type BearingSignal,
  createBearingSignal,
} from "./bearing-signal.js";
import { formatSamples } from "./simulator.js";

export const SERIAL_SIM_FORMATS = ["csv", "json", "frame"] as const;
export type SerialSimFormat = (typeof SERIAL_SIM_FORMATS)[number];

/** Failure modes the csv (milling machine) stream can develop, as the machine-failure model names them. */
export const MILL_FAULTS = ["heat_dissipation", "power", "overstrain", "tool_wear"] as const;
export type MillFault = (typeof MILL_FAULTS)[number];

/** The frame the simulator and the shipped frame profile use: AA 55, 2-byte LE length, CRC-16/MODBUS. */
export const SIM_FRAME_FORMAT: FrameFormat = {
  startMarker: Uint8Array.of(0xaa, 0x55),
  lengthBytes: 2,
  lengthByteOrder: "le",
  crc: "modbus",
  maxPayloadBytes: 4096,
};

export interface SerialSensorSimOptions {
  readonly format: SerialSimFormat;
  readonly seed?: number;
  readonly shaftRpm?: number;
  /** A fault that starts after `afterS` seconds and ramps to full over 5 s. */
  readonly fault?: { readonly condition: string; readonly afterS: number };
}

const BEARING_HZ = 12_000;
const RAMP_S = 5;

/**
 * What a serial sensor sends, one line or frame at a time, in real-time order:
 * - `json`: drive-end vibration blocks as JSON lines (`{"ts","fs","samples"}`, 2048 samples at
 *   12 kHz, every 171 ms), from the bearing simulator: the profile `example-serial-accelerometer`;
 * - `frame`: the same signal as binary frames (`AA 55`, length, payload, CRC-16/MODBUS) whose
 *   payload is the binary codec's `ts-f64` block of 512 float32 samples:
 *   `example-serial-accelerometer-frames`;
 * - `csv`: a milling machine's process values at 10 Hz (`ts,air_temp_k,process_temp_k,rpm,
 *   torque_nm,tool_wear_min,type_code`), AI4I-like, with its failure modes: `example-serial-mill`.
 * Pure apart from its seeded random draws: the caller gives the time.
 */
export class SerialSensorSim {
  readonly format: SerialSimFormat;
  /** How often `next` should be called, ms. */
  readonly periodMs: number;
  private readonly o: SerialSensorSimOptions;
  private readonly bearing: BearingSignal | null;
  private readonly rand: Rand;
  private readonly blockSamples: number;
  private samplesSent = 0;
  private startTsMs = Number.NaN;

  constructor(o: SerialSensorSimOptions) {
    this.o = o;
    this.format = o.format;
    this.rand = mulberry32(o.seed ?? 1);
    this.blockSamples = o.format === "json" ? 2048 : 512;
    this.bearing =
      o.format === "csv"
        ? null
        : createBearingSignal({ sampleRateHz: BEARING_HZ, shaftRpm: o.shaftRpm ?? 1797, seed: o.seed ?? 1 });
    this.periodMs = o.format === "csv" ? 100 : (this.blockSamples / BEARING_HZ) * 1000;
  }

  /** The fault names this format knows. */
  static faults(format: SerialSimFormat): readonly string[] {
    return format === "csv" ? MILL_FAULTS : BEARING_CONDITIONS.filter((c) => c !== "normal");
  }

  /** The next line (with its `\n`) or frame; `elapsedS` since the start decides the fault's severity. */
  next(nowMs: number, elapsedS: number): Uint8Array {
    const f = this.o.fault;
    const severity = f === undefined ? 0 : Math.max(0, Math.min(1, (elapsedS - f.afterS) / RAMP_S));
    if (this.format === "csv")
      return new TextEncoder().encode(`${this.millLine(nowMs, elapsedS, severity)}\n`);
    // Block times follow the sample count, so consecutive blocks are contiguous for the windower.
    if (Number.isNaN(this.startTsMs)) this.startTsMs = nowMs;
    const tsMs = this.startTsMs + (this.samplesSent * 1000) / BEARING_HZ;
    const condition = (severity > 0 ? f!.condition : "normal") as BearingCondition;
    const x = this.bearing!.next(this.blockSamples, condition, severity);
    this.samplesSent += this.blockSamples;
    if (this.format === "json") {
      return new TextEncoder().encode(
        `{"ts":${Math.round(tsMs)},"fs":${BEARING_HZ},"samples":[${formatSamples(x)}]}\n`,
      );
    }
    const payload = new Uint8Array(8 + 4 * x.length);
    const view = new DataView(payload.buffer);
    view.setFloat64(0, tsMs, true);
    for (let i = 0; i < x.length; i++) view.setFloat32(8 + 4 * i, x[i]!, true);
    return encodeFrame(SIM_FRAME_FORMAT, payload);
  }

  /** One AI4I-like reading: a healthy type-L mill, pushed towards the chosen failure mode by `severity`. */
  private millLine(nowMs: number, elapsedS: number, severity: number): string {
    const g = () => gaussian(this.rand);
    const fault = this.o.fault?.condition as MillFault | undefined;
    const s = (mode: MillFault) => (fault === mode ? severity : 0);
    const air = 300 + 2 * Math.sin((2 * Math.PI * elapsedS) / 3600) + 0.05 * g();
    // Healthy: ΔT ≈ 10 K, ~1500 rpm, ~40 Nm (≈ 6.3 kW), a tool at 20 min plus run time.
    const dT = 10 - 2.5 * s("heat_dissipation") + 0.05 * g();
    const rpm = 1500 - 200 * s("heat_dissipation") - 250 * s("power") + 10 * g();
    const torque = 40 + 30 * s("power") + 25 * s("overstrain") + 1.5 * g();
    const wear = 20 + elapsedS / 60 + 200 * Math.max(s("tool_wear"), s("overstrain"));
    const r1 = (v: number) => Math.round(v * 10) / 10;
    return [Math.round(nowMs), r1(air), r1(air + dT), Math.round(rpm), r1(torque), Math.round(wear), 0].join(
      ",",
    );
  }
}
