import { SerialPort } from "serialport";
import { crc16Modbus } from "../sources/crc16.js";
import type { SlaveBank } from "./modbus-slave-bank.js";

/**
 * A tiny Modbus RTU responder on a serial port (the far end of a pty pair) answering read
 * requests (function 3 and 4) from a SlaveBank. It checks each request's CRC (a bad one is
 * skipped, as a real slave does) and records the bus silence before each request, measured from
 * its previous answer, so a test can check the master's inter-frame gap.
 */
export class ModbusRtuSlave {
  private readonly bank: SlaveBank;
  private readonly path: string;
  private port: SerialPort | null = null;
  private buf = Buffer.alloc(0);
  private lastAnswerAtMs = Number.NaN;
  /** Silence before each request that followed an answer, ms. */
  readonly gapsMs: number[] = [];
  readonly stats = { requests: 0, badCrc: 0, answered: 0 };

  constructor(bank: SlaveBank, path: string) {
    this.bank = bank;
    this.path = path;
  }

  start(baudRate = 19200): Promise<void> {
    const port = new SerialPort({ path: this.path, baudRate, autoOpen: false });
    port.on("error", () => {});
    port.on("data", (d: Buffer) => this.onData(d));
    this.port = port;
    return new Promise((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  }

  stop(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (port === null || !port.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }

  private onData(d: Buffer): void {
    const arrivedAtMs = performance.now();
    if (this.buf.length === 0 && !Number.isNaN(this.lastAnswerAtMs)) {
      this.gapsMs.push(arrivedAtMs - this.lastAnswerAtMs);
      this.lastAnswerAtMs = Number.NaN;
    }
    this.buf = Buffer.concat([this.buf, d]);
    // Read requests are 8 bytes: unit, function, address (2), count (2), CRC (2, low byte first).
    while (this.buf.length >= 8) {
      const crc = crc16Modbus(this.buf, 0, 6);
      if (this.buf.readUInt16LE(6) !== crc) {
        this.stats.badCrc++;
        this.buf = this.buf.subarray(1);
        continue;
      }
      const req = this.buf.subarray(0, 8);
      this.buf = this.buf.subarray(8);
      this.stats.requests++;
      this.answer(req);
    }
  }

  private answer(req: Buffer): void {
    const unit = req[0]!;
    const fn = req[1]!;
    let body: Buffer;
    if (fn !== 3 && fn !== 4) {
      body = Buffer.from([unit, fn | 0x80, 1]);
    } else {
      const a = this.bank.read(
        unit,
        fn === 3 ? "holding" : "input",
        req.readUInt16BE(2),
        req.readUInt16BE(4),
      );
      if (a.kind === "silent") return;
      if (a.kind === "exception") body = Buffer.from([unit, fn | 0x80, a.code]);
      else {
        body = Buffer.alloc(3 + 2 * a.words.length);
        body[0] = unit;
        body[1] = fn;
        body[2] = 2 * a.words.length;
        a.words.forEach((w, i) => {
          body.writeUInt16BE(w, 3 + 2 * i);
        });
      }
    }
    const out = Buffer.alloc(body.length + 2);
    body.copy(out);
    out.writeUInt16LE(crc16Modbus(body), body.length);
    const port = this.port;
    if (port === null) return;
    port.write(out);
    // Timed from the write call: the master cannot have the answer before it, so the silence
    // measured up to its next request is never more than the master really kept.
    this.lastAnswerAtMs = performance.now();
    this.stats.answered++;
  }
}
