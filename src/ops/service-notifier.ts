import type { Logger } from "pino";
import type { Liveness } from "./liveness.js";
import { monotonicUsec, type Notifier } from "./sd-notify.js";

export interface ServiceNotifierOptions {
  readonly notifier: Notifier;
  readonly log: Logger;
  /** Half of `$WATCHDOG_USEC` in ms; null: no watchdog (STATUS= still goes out on change). */
  readonly watchdogMs: number | null;
  readonly liveness: () => Liveness;
  /** The one-line `STATUS=`. */
  readonly status: () => string;
  /** How often STATUS= is refreshed without a watchdog. */
  readonly statusEveryMs?: number;
}

/**
 * The agent's side of a `Type=notify` service: `READY=1` once up, `WATCHDOG=1` every half
 * `WatchdogSec=` but only while the pipeline is alive (so systemd restarts a wedged agent),
 * `RELOADING=1`/`READY=1` around a reload, `STOPPING=1`, and `STATUS=` whenever the line changes.
 */
export class ServiceNotifier {
  private readonly opts: ServiceNotifierOptions;
  private timer: NodeJS.Timeout | null = null;
  private lastStatus = "";
  private wasAlive = true;
  private paused = false;
  /** WATCHDOG=1 messages sent (for tests and the log). */
  pings = 0;

  constructor(opts: ServiceNotifierOptions) {
    this.opts = opts;
  }

  /** Start-up finished: READY=1 and the first STATUS=, then the watchdog/status timer. */
  ready(): void {
    this.send({ READY: "1", ...this.statusField(true) });
    const every = this.opts.watchdogMs ?? this.opts.statusEveryMs ?? 10_000;
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
    if (this.opts.watchdogMs !== null) {
      this.opts.log.info(
        { everyMs: this.opts.watchdogMs, via: this.opts.notifier.via },
        "systemd watchdog on",
      );
    }
  }

  /** A reload begins (sd_notify RELOADING=1 with the monotonic time systemd wants for Type=notify-reload). */
  reloading(): void {
    this.send({ RELOADING: "1", MONOTONIC_USEC: monotonicUsec(), STATUS: "reloading" });
    this.lastStatus = "reloading";
  }

  /** A reload ended (applied or refused): READY=1 and the status, with `note` when given. */
  reloaded(note?: string): void {
    this.send({ READY: "1", ...this.statusField(true, note) });
  }

  /** A stop begins: no more watchdog pings. */
  stopping(note = "stopping"): void {
    this.paused = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.send({ STOPPING: "1", STATUS: note });
  }

  /** One watchdog step: WATCHDOG=1 when alive, and STATUS= when it changed. */
  tick(): void {
    if (this.paused) return;
    const l = this.opts.liveness();
    if (l.alive !== this.wasAlive) {
      if (l.alive) this.opts.log.info({ module: "ops" }, "pipeline alive again: watchdog pings resume");
      else {
        this.opts.log.error(
          { module: "ops", reasons: l.reasons },
          this.opts.watchdogMs !== null
            ? "pipeline wedged: watchdog pings withheld, systemd will restart the agent"
            : "pipeline wedged",
        );
      }
      this.wasAlive = l.alive;
    }
    const fields: Record<string, string> = this.statusField(false);
    if (l.alive && this.opts.watchdogMs !== null) {
      fields.WATCHDOG = "1";
      this.pings++;
    }
    if (Object.keys(fields).length > 0) this.send(fields);
  }

  async close(timeoutMs = 2000): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.opts.notifier.flush?.(timeoutMs);
    this.opts.notifier.close?.();
  }

  private statusField(force: boolean, note?: string): Record<string, string> {
    let line = this.opts.status();
    if (note) line = `${line}; ${note}`;
    if (!force && line === this.lastStatus) return {};
    this.lastStatus = line;
    return { STATUS: line };
  }

  private send(fields: Record<string, string>): void {
    this.opts.notifier.notify(fields);
  }
}
