import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { Logger } from "pino";
import { formatNotifyMessage, type Notifier, type NotifyAddress } from "./sd-notify.js";

/** The part of the `unix-dgram` package the agent uses (its module is loaded only when installed). */
interface UnixDgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb?: (err?: Error) => void): void;
  on(event: "error" | "congestion", fn: (err: Error) => void): void;
  close(): void;
}
interface UnixDgramModule {
  createSocket(type: "unix_dgram"): UnixDgramSocket;
}

/** Sends from the agent's own process through the `unix-dgram` addon; null when it is not installed. */
export async function loadUnixDgramNotifier(address: NotifyAddress, log: Logger): Promise<Notifier | null> {
  let mod: UnixDgramModule;
  try {
    const name = "unix-dgram"; // a variable: the package is optional and has no types here
    const imported = (await import(name)) as { default?: UnixDgramModule } & UnixDgramModule;
    mod = imported.default ?? imported;
  } catch {
    return null;
  }
  const path = address.kind === "abstract" ? `\0${address.name}` : address.name;
  const socket = mod.createSocket("unix_dgram");
  const report = onceLogger(log);
  socket.on("error", (err) => report(err.message));
  socket.on("congestion", () => report("notify socket congested"));
  return {
    via: "unix-dgram",
    notify(fields) {
      const buf = Buffer.from(formatNotifyMessage(fields));
      try {
        socket.send(buf, 0, buf.length, path, (err) => {
          if (err) report(err.message);
        });
      } catch (err) {
        report((err as Error).message);
      }
    },
    close: () => socket.close(),
  };
}

/** Whether an executable of that name is on `$PATH`. */
export function onPath(tool: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // not in this one
    }
  }
  return false;
}

const MAX_PENDING = 16;
const HELPER_TIMEOUT_MS = 10_000;

/**
 * Sends each message by running `systemd-notify KEY=VALUE…` or `socat - UNIX-SENDTO:…`, one at a
 * time and in order. A backlog beyond 16 messages drops the oldest (they are watchdog pings and
 * status lines: the newest one says what matters).
 */
export class CommandNotifier implements Notifier {
  readonly via: "systemd-notify" | "socat";
  private readonly address: NotifyAddress;
  private readonly report: (msg: string) => void;
  private readonly pending: string[] = [];
  private running = false;
  private closed = false;
  private idle: (() => void) | null = null;

  constructor(via: "systemd-notify" | "socat", address: NotifyAddress, log: Logger) {
    this.via = via;
    this.address = address;
    this.report = onceLogger(log);
  }

  notify(fields: Record<string, string>): void {
    if (this.closed) return;
    this.pending.push(formatNotifyMessage(fields));
    if (this.pending.length > MAX_PENDING) this.pending.shift();
    this.next();
  }

  /** Resolves when every queued message was handed over (or `timeoutMs` passed). */
  flush(timeoutMs: number): Promise<void> {
    if (!this.running && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  close(): void {
    this.closed = true;
  }

  private next(): void {
    if (this.running) return;
    const message = this.pending.shift();
    if (message === undefined) {
      this.idle?.();
      this.idle = null;
      return;
    }
    this.running = true;
    const { cmd, args, input } = this.command(message);
    const socket = this.address.kind === "abstract" ? `@${this.address.name}` : this.address.name;
    const child = spawn(cmd, args, {
      stdio: [input === null ? "ignore" : "pipe", "ignore", "pipe"],
      env: { ...process.env, NOTIFY_SOCKET: socket },
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), HELPER_TIMEOUT_MS);
    const done = (problem: string | null) => {
      clearTimeout(timer);
      if (problem !== null) this.report(problem);
      this.running = false;
      this.next();
    };
    child.once("error", (err) => done(`${cmd}: ${err.message}`));
    child.once("exit", (code, signal) =>
      done(code === 0 ? null : `${cmd} exited ${code ?? signal}: ${stderr.trim().split("\n")[0] ?? ""}`),
    );
    if (input !== null) child.stdin?.end(input);
  }

  private command(message: string): { cmd: string; args: string[]; input: string | null } {
    if (this.via === "systemd-notify") {
      return { cmd: "systemd-notify", args: message.split("\n").filter((l) => l !== ""), input: null };
    }
    const target =
      this.address.kind === "abstract"
        ? `ABSTRACT-SENDTO:${this.address.name}`
        : `UNIX-SENDTO:${this.address.name}`;
    return { cmd: "socat", args: ["-u", "-", target], input: message };
  }
}

/** Logs a failure once per distinct message (a repeating fault is one line per change). */
function onceLogger(log: Logger): (msg: string) => void {
  let last = "";
  return (msg) => {
    if (msg === last) return;
    last = msg;
    log.warn({ err: msg }, "systemd notification failed");
  };
}
