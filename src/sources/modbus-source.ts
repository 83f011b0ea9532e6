import type { Logger } from "pino";
import type { ModbusConnectionConfig, ModbusDeviceConfig } from "../config/transport-schemas.js";
import type { Reading } from "../types.js";
import { type BackoffConfig, nextBackoffMs } from "./backoff.js";
import { connectionName, type ModbusLink, ModbusSerialLink } from "./modbus-link.js";
import { planReads, type ReadBlock, registerValue } from "./modbus-registers.js";
import { PollSchedule, rtuInterFrameMs } from "./poll-schedule.js";
import { isSourceError } from "./source-error.js";
import type { Source, SourceSink, SourceStatus } from "./source.js";

/** One slave polled for one asset. */
export interface ModbusDeviceBinding {
  readonly assetKey: string;
  /** The device's name in the profile. */
  readonly name: string;
  readonly device: ModbusDeviceConfig;
  /** Answer timeout of this slave. */
  readonly timeoutMs: number;
  readonly backoff: BackoffConfig;
  /** The profile channels' own scale and offset, applied after the register's. */
  readonly channels: Readonly<Record<string, { readonly scale: number; readonly offset: number }>>;
}

export interface ModbusSourceOptions {
  readonly connection: ModbusConnectionConfig;
  readonly devices: readonly ModbusDeviceBinding[];
  /** Reopening the connection. */
  readonly reconnect: BackoffConfig;
  readonly log: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
  /** The connection; default modbus-serial's client. */
  readonly link?: ModbusLink;
}

interface DeviceRuntime {
  readonly key: string;
  readonly b: ModbusDeviceBinding;
  readonly blocks: readonly ReadBlock[];
  readonly counters: {
    polls: number;
    answered: number;
    timeouts: number;
    exceptions: number;
    badResponses: number;
  };
  answering: boolean | null;
  /** Exceptions already logged, per block address (a config problem is logged once). */
  readonly loggedExceptions: Set<string>;
}

/**
 * Polls the slaves of one Modbus connection (an RTU bus, or one TCP host), one request at a
 * time. Each slave has its own interval, timeout and backoff (PollSchedule): a dead slave costs
 * the bus at most one timeout per backoff period and the others keep their rate. On RTU the bus
 * stays silent for 3.5 character times between frames. Answers become one scalar Reading per
 * channel (tsMs = poll time, sampleRateHz NaN) for the slave's asset. A connection that fails
 * or closes is reopened with bounded backoff; a connection that is down at start is waited for.
 */
export class ModbusSource implements Source {
  readonly name: string;
  private readonly o: ModbusSourceOptions;
  private readonly link: ModbusLink;
  private readonly devices: DeviceRuntime[];
  private readonly schedule: PollSchedule;
  private readonly gapMs: number;
  private readonly now: () => number;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private problem: string | null = null;
  readonly counters = { connects: 0, connectFailures: 0 };

  constructor(o: ModbusSourceOptions) {
    this.o = o;
    this.name = `modbus ${connectionName(o.connection)}`;
    this.link = o.link ?? new ModbusSerialLink(o.connection);
    this.now = o.now ?? Date.now;
    this.devices = o.devices.map((b) => ({
      key: `${b.assetKey}#${b.name}`,
      b,
      blocks: planReads(b.device.registers),
      counters: { polls: 0, answered: 0, timeouts: 0, exceptions: 0, badResponses: 0 },
      answering: null,
      loggedExceptions: new Set<string>(),
    }));
    this.schedule = new PollSchedule(
      this.devices.map((d) => ({ key: d.key, intervalMs: d.b.device.pollIntervalMs, backoff: d.b.backoff })),
      o.random,
    );
    const c = o.connection;
    this.gapMs = c.type === "rtu" ? rtuInterFrameMs(c.baudRate, c.dataBits, c.parity, c.stopBits) : 0;
  }

  /** Starts polling in the background; resolves at once (a connection that is down is waited for). */
  async start(sink: SourceSink): Promise<void> {
    this.stopped = false;
    this.loop = this.run(sink).catch((err: unknown) => {
      this.o.log.error({ err: (err as Error).message }, "modbus polling stopped by an internal error");
    });
  }

  /** Stops polling (an answer in flight is waited for up to `timeoutMs`) and closes the connection. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const deadline = Date.now() + timeoutMs;
    if (this.loop !== null) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.loop,
        new Promise((r) => (timer = setTimeout(r, Math.max(0, timeoutMs / 2)))),
      ]);
      clearTimeout(timer);
    }
    await this.link.close(Math.max(50, deadline - Date.now()));
    this.loop = null;
  }

  status(): SourceStatus {
    const dead = this.devices
      .filter((d) => d.answering === false)
      .map((d) => `${d.b.name}(${d.b.device.unitId})`);
    const live = this.devices.filter((d) => d.answering === true).length;
    const base = this.link.isOpen ? "connected" : `not connected${this.problem ? ` (${this.problem})` : ""}`;
    return {
      name: this.name,
      connected: this.link.isOpen,
      detail: `${base}; ${this.devices.length} slaves: ${live} answering${dead.length ? `, not answering: ${dead.join(", ")}` : ""}`,
    };
  }

  /** Counters per slave (`asset#device`), for status and tests. */
  stats(): Record<string, DeviceRuntime["counters"] & { answering: boolean | null }> {
    return Object.fromEntries(this.devices.map((d) => [d.key, { ...d.counters, answering: d.answering }]));
  }

  private async run(sink: SourceSink): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      if (!this.link.isOpen) {
        try {
          await this.link.open();
        } catch (err) {
          attempt++;
          this.counters.connectFailures++;
          const msg = (err as Error).message;
          if (this.problem === null)
            this.o.log.warn({ err: msg, code: codeOf(err) }, "modbus connection not available; retrying");
          this.problem = msg;
          await this.sleep(nextBackoffMs(attempt, this.o.reconnect, this.o.random ?? Math.random));
          continue;
        }
        if (this.stopped) break; // stop() came while connecting: the link is closed below
        this.counters.connects++;
        this.o.log.info(
          { attempts: attempt, slaves: this.devices.length },
          this.counters.connects > 1 ? "modbus reconnected" : "modbus connected",
        );
        attempt = 0;
        this.problem = null;
        this.schedule.restart(this.now(), Math.min(...this.devices.map((d) => d.b.device.pollIntervalMs)));
      }
      const next = this.schedule.next();
      if (next === null) break;
      const wait = next.dueMs - this.now();
      if (wait > 0) {
        await this.sleep(wait);
        continue;
      }
      const d = this.devices.find((x) => x.key === next.key)!;
      const lost = await this.poll(d, sink);
      if (lost) {
        this.o.log.warn({ err: lost }, "modbus connection lost; reconnecting");
        this.problem = lost;
        await this.link.close(500);
        attempt = 1;
        await this.sleep(nextBackoffMs(attempt, this.o.reconnect, this.o.random ?? Math.random));
      }
    }
    // A connection that opened after stop() had already closed the link must not stay open.
    await this.link.close(500);
  }

  /** One poll of one slave; returns the reason when the connection itself was lost. */
  private async poll(d: DeviceRuntime, sink: SourceSink): Promise<string | null> {
    const b = d.b;
    const tsMs = this.now();
    d.counters.polls++;
    const readings: Reading[] = [];
    for (const block of d.blocks) {
      let words: number[];
      try {
        words = await this.link.read(
          b.device.unitId,
          block.function,
          block.address,
          block.count,
          b.timeoutMs,
        );
      } catch (err) {
        await this.sleep(this.gapMs);
        const code = codeOf(err);
        const msg = (err as Error).message;
        if (code === "EA_MODBUS_CONNECT") return msg;
        if (code === "EA_MODBUS_EXCEPTION") {
          // The slave is alive but refuses this read: a profile problem, logged once per block.
          d.counters.exceptions++;
          const id = `${block.function}@${block.address}`;
          if (!d.loggedExceptions.has(id)) {
            d.loggedExceptions.add(id);
            this.o.log.error(
              {
                asset: b.assetKey,
                device: b.name,
                unit: b.device.unitId,
                code,
                err: msg,
                channels: block.items.map((i) => i.channel),
              },
              "modbus slave refuses a read: check the register addresses in the profile",
            );
          }
          continue;
        }
        if (code === "EA_MODBUS_TIMEOUT") d.counters.timeouts++;
        else d.counters.badResponses++;
        const { first, retryInMs } = this.schedule.failed(d.key, this.now());
        if (first && d.answering !== false) {
          this.o.log.warn(
            { asset: b.assetKey, device: b.name, unit: b.device.unitId, code, err: msg, retryInMs },
            "modbus slave not answering; backing off",
          );
        }
        d.answering = false;
        return null;
      }
      await this.sleep(this.gapMs);
      for (const item of block.items) {
        const ch = b.channels[item.channel] ?? { scale: 1, offset: 0 };
        const value = Math.fround(registerValue(words, item) * ch.scale + ch.offset);
        if (!Number.isFinite(value)) {
          sink.discarded(b.assetKey, "bad_frame", `modbus ${b.name} channel "${item.channel}" is not finite`);
          continue;
        }
        readings.push({
          channel: item.channel,
          tsMs,
          sampleRateHz: Number.NaN,
          samples: Float32Array.of(value),
        });
      }
    }
    d.counters.answered++;
    const { recovered } = this.schedule.succeeded(d.key, this.now());
    if (recovered || d.answering === false) {
      this.o.log.info(
        { asset: b.assetKey, device: b.name, unit: b.device.unitId },
        "modbus slave answering again",
      );
    }
    d.answering = true;
    if (readings.length > 0) sink.readings(b.assetKey, readings);
    return null;
  }

  /** Waits `ms`, or less when stop() is called. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }
}

function codeOf(err: unknown): string | undefined {
  return isSourceError(err) ? err.code : undefined;
}
