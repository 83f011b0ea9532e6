import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { stopProcess } from "./stop-process.js";

/**
 * A private Mosquitto on a free loopback port, with persistence in a temporary folder so that
 * sessions and queued QoS 1 messages survive a restart on the same port.
 */
export class Mosquitto {
  readonly dir: string;
  port = 0;
  private proc: ChildProcess | null = null;
  log = "";

  private constructor(dir: string) {
    this.dir = dir;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async start(extraConfig = ""): Promise<Mosquitto> {
    const m = new Mosquitto(mkdtempSync(join(tmpdir(), "edge-agent-mosq-")));
    m.port = await freePort();
    writeFileSync(
      join(m.dir, "mosquitto.conf"),
      [
        `listener ${m.port} 127.0.0.1`,
        "allow_anonymous true",
        "user root",
        "persistence true",
        `persistence_location ${m.dir}/`,
        "autosave_interval 1",
        "max_queued_messages 100000",
        "set_tcp_nodelay true",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        extraConfig,
      ].join("\n"),
    );
    await m.restart();
    return m;
  }

  /** Starts (again) on the same port and persistence folder. */
  async restart(): Promise<void> {
    const proc = spawn("mosquitto", ["-c", join(this.dir, "mosquitto.conf")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    proc.stderr?.on("data", (d: Buffer) => {
      this.log += d.toString();
    });
    this.proc = proc;
    await waitForPort(this.port, 5000);
  }

  /** Stops the broker (SIGTERM: it saves its persistence first). */
  async stop(): Promise<void> {
    await stopProcess(this.proc, 3000);
    this.proc = null;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
