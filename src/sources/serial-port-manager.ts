import type { Logger } from "pino";
import type { BackoffConfig } from "./backoff.js";
import { ManagedPort, type PortSettings } from "./managed-port.js";
import { SourceError } from "./source-error.js";

interface Entry {
  readonly port: ManagedPort;
  users: number;
}

/**
 * The agent's serial ports, each opened once and shared: the source that reads a port and the
 * actions that write commands to it go through the same ManagedPort. A port opens when its first
 * user acquires it and closes (its lock released) when the last one releases it.
 */
export class SerialPortManager {
  private readonly log: Logger;
  private readonly ports = new Map<string, Entry>();
  private readonly random: (() => number) | undefined;

  constructor(log: Logger, random?: () => number) {
    this.log = log;
    this.random = random;
  }

  /**
   * The port at `settings.path`, started if it was not. A second user must ask for the same line
   * settings: anything else is EA_SERIAL_PORT_CONFLICT (one device, one baud rate).
   */
  acquire(settings: PortSettings, reconnect: BackoffConfig): ManagedPort {
    const have = this.ports.get(settings.path);
    if (have !== undefined) {
      const diff = differences(have.port.settings, settings);
      if (diff.length > 0) {
        throw new SourceError(
          "EA_SERIAL_PORT_CONFLICT",
          `${settings.path} is already open with other settings (${diff.join(", ")})`,
        );
      }
      have.users++;
      return have.port;
    }
    const port = new ManagedPort({
      settings,
      reconnect,
      log: this.log.child({ port: settings.path }),
      ...(this.random ? { random: this.random } : {}),
    });
    this.ports.set(settings.path, { port, users: 1 });
    port.start();
    return port;
  }

  /** One user fewer; the last one closes the port within about `timeoutMs`. */
  async release(path: string, timeoutMs: number): Promise<void> {
    const e = this.ports.get(path);
    if (e === undefined) return;
    e.users--;
    if (e.users > 0) return;
    this.ports.delete(path);
    await e.port.stop(timeoutMs);
  }

  /** The port at `path`, if some source holds it. */
  get(path: string): ManagedPort | undefined {
    return this.ports.get(path)?.port;
  }

  /**
   * Writes a frame to an open port (an actuator command). Fails clearly: EA_SERIAL_UNKNOWN_PORT
   * when no source holds the path, EA_SERIAL_DISCONNECTED when it is not open right now,
   * EA_SERIAL_WRITE_FAILED when the write does not drain.
   */
  write(path: string, bytes: Uint8Array): Promise<void> {
    const e = this.ports.get(path);
    if (e === undefined) {
      return Promise.reject(
        new SourceError(
          "EA_SERIAL_UNKNOWN_PORT",
          `no serial port ${path} is configured (known: ${[...this.ports.keys()].join(", ") || "none"})`,
        ),
      );
    }
    return e.port.write(bytes);
  }

  /** Connected or not, per path. */
  status(): { path: string; connected: boolean; detail: string }[] {
    return [...this.ports.values()].map((e) => ({
      path: e.port.path,
      connected: e.port.connected,
      detail: e.port.detail,
    }));
  }
}

function differences(a: PortSettings, b: PortSettings): string[] {
  const keys = ["baudRate", "dataBits", "stopBits", "parity", "rtscts"] as const;
  return keys.filter((k) => a[k] !== b[k]).map((k) => `${k} ${String(a[k])} vs ${String(b[k])}`);
}
