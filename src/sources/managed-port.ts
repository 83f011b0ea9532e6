import type { Logger } from "pino";
import { SerialPort } from "serialport";
import { type BackoffConfig, nextBackoffMs } from "./backoff.js";
import { classifyOpenError, SourceError, type SourceErrorCode } from "./source-error.js";

/** How to open a serial line. */
export interface PortSettings {
  readonly path: string;
  readonly baudRate: number;
  readonly dataBits: 5 | 6 | 7 | 8;
  readonly stopBits: 1 | 1.5 | 2;
  readonly parity: "none" | "even" | "odd" | "mark" | "space";
  readonly rtscts: boolean;
}

export type PortState = "idle" | "opening" | "open" | "waiting" | "stopped";

/** Someone reading the port: told at every (re)open, given every chunk, told at every close. */
export interface PortListener {
  onOpen?(): void;
  onData(chunk: Buffer): void;
  onClose?(reason: string): void;
}

export interface ManagedPortOptions {
  readonly settings: PortSettings;
  readonly reconnect: BackoffConfig;
  readonly log: Logger;
  readonly random?: () => number;
  /** A write that has not drained after this fails (EA_SERIAL_WRITE_FAILED). */
  readonly writeTimeoutMs?: number;
}

/**
 * One serial port that keeps itself open: a port that is missing at start, or closes (unplugged,
 * the driver gone), is reopened with bounded exponential backoff until `stop()`. The port is
 * opened with an exclusive lock and closed (lock released) on stop. Logs one line per change of
 * state or of the reason it cannot open, never one per retry.
 */
export class ManagedPort {
  readonly settings: PortSettings;
  readonly stats = { opens: 0, closes: 0, openFailures: 0, bytesIn: 0, bytesOut: 0, writeErrors: 0 };
  private readonly o: ManagedPortOptions;
  private readonly listeners = new Set<PortListener>();
  private port: SerialPort | null = null;
  private _state: PortState = "idle";
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The problem last logged; a retry failing the same way logs nothing. */
  private problem: SourceErrorCode | null = null;
  private problemText = "";
  private sinceMs = 0;
  private retryAtMs = 0;

  constructor(o: ManagedPortOptions) {
    this.o = o;
    this.settings = o.settings;
  }

  get path(): string {
    return this.settings.path;
  }

  get state(): PortState {
    return this._state;
  }

  get connected(): boolean {
    return this._state === "open";
  }

  /** One line for status: open since…, or why not and when the next attempt is. */
  get detail(): string {
    const s = this.stats;
    if (this._state === "open") {
      return `${this.path} open since ${new Date(this.sinceMs).toISOString()} (${s.opens} opens, ${s.bytesIn} bytes in)`;
    }
    if (this._state === "waiting") {
      const inMs = Math.max(0, this.retryAtMs - Date.now());
      return `${this.path} not open (${this.problem ?? "closed"}: ${this.problemText}); next attempt in ${inMs} ms`;
    }
    return `${this.path} ${this._state}`;
  }

  /** Adds a reader; returns the function that removes it. */
  listen(l: PortListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Starts opening; never throws: a missing device is waited for. */
  start(): void {
    if (this._state !== "idle") return;
    this.open();
  }

  /** Closes the port (releasing its lock) and stops reopening, within about `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this._state = "stopped";
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        port.close(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    port?.removeAllListeners("data");
    this.listeners.clear();
    this.o.log.info({ path: this.path }, "serial port closed (stopped)");
  }

  /** Writes and drains `bytes`; fails with EA_SERIAL_DISCONNECTED when the port is not open. */
  write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (port === null || this._state !== "open") {
      return Promise.reject(
        new SourceError(
          "EA_SERIAL_DISCONNECTED",
          `cannot write to ${this.path}: the port is ${this._state}, not open`,
        ),
      );
    }
    const timeoutMs = this.o.writeTimeoutMs ?? 2000;
    return new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        this.stats.writeErrors++;
        reject(
          new SourceError(
            "EA_SERIAL_WRITE_FAILED",
            `write of ${bytes.length} bytes to ${this.path} failed: ${why}`,
          ),
        );
      };
      const timer = setTimeout(() => fail(`not drained after ${timeoutMs} ms`), timeoutMs);
      port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) => {
        if (err) fail(err.message);
      });
      port.drain((err) => {
        if (err) return fail(err.message);
        clearTimeout(timer);
        this.stats.bytesOut += bytes.length;
        resolve();
      });
    });
  }

  private open(): void {
    if (this._state === "stopped") return;
    this._state = "opening";
    const s = this.settings;
    const port = new SerialPort({
      path: s.path,
      baudRate: s.baudRate,
      dataBits: s.dataBits,
      stopBits: s.stopBits,
      parity: s.parity,
      rtscts: s.rtscts,
      lock: true,
      autoOpen: false,
    });
    // Errors outside open's callback (a failed write, a close error): the close event follows if the port is gone.
    port.on("error", (err) => {
      if (port === this.port && !port.isOpen) this.closed(port, err.message);
    });
    port.open((err) => {
      if (this._state === "stopped") {
        if (!err) port.close();
        return;
      }
      if (err) {
        this.openFailed(classifyOpenError(s.path, err));
        return;
      }
      this.port = port;
      this._state = "open";
      this.sinceMs = Date.now();
      this.stats.opens++;
      const reopened = this.stats.opens > 1;
      this.o.log.info(
        { path: s.path, baudRate: s.baudRate, attempts: this.attempt, reopened },
        reopened ? "serial port reopened" : "serial port open",
      );
      this.attempt = 0;
      this.problem = null;
      port.on("data", (chunk: Buffer) => {
        this.stats.bytesIn += chunk.length;
        for (const l of this.listeners) l.onData(chunk);
      });
      port.on("close", (e: Error | null) => this.closed(port, e?.message ?? "closed"));
      for (const l of this.listeners) l.onOpen?.();
    });
  }

  private closed(port: SerialPort, reason: string): void {
    if (port !== this.port || this._state === "stopped") return;
    this.port = null;
    port.removeAllListeners("data");
    this.stats.closes++;
    this.o.log.warn({ path: this.path, reason }, "serial port closed; reopening when the device is back");
    // The device is probably gone: the open attempts that fail with "not found" are expected, not news.
    this.problem = "EA_SERIAL_NOT_FOUND";
    this.problemText = reason;
    for (const l of this.listeners) l.onClose?.(reason);
    this.attempt = 1;
    this.retryLater();
  }

  private openFailed(e: SourceError): void {
    this.stats.openFailures++;
    this.attempt++;
    if (e.code !== this.problem) {
      const level =
        e.code === "EA_SERIAL_PERMISSION" || e.code === "EA_SERIAL_OPEN_FAILED" ? "error" : "warn";
      this.o.log[level](
        { path: this.path, code: e.code, err: e.message },
        "serial port not available; retrying",
      );
    }
    this.problem = e.code;
    this.problemText = e.message;
    this.retryLater();
  }

  private retryLater(): void {
    this._state = "waiting";
    const delay = nextBackoffMs(Math.max(1, this.attempt), this.o.reconnect, this.o.random ?? Math.random);
    this.retryAtMs = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.open();
    }, delay);
  }
}
