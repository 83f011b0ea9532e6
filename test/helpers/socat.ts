import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A pair of connected kernel ptys made by socat, under two stable link paths (`a`, `b`), like
 * a USB-serial adapter under /dev/serial/by-id. `unplug()` kills socat by its PID (the links
 * and ptys disappear, open ports see a hang-up); `replug()` starts it again on the same links.
 */
export class SocatPair {
  readonly dir: string;
  readonly a: string;
  readonly b: string;
  private proc: ChildProcess | null = null;
  log = "";

  private constructor(dir: string) {
    this.dir = dir;
    this.a = join(dir, "a");
    this.b = join(dir, "b");
  }

  static async start(): Promise<SocatPair> {
    const p = new SocatPair(mkdtempSync(join(tmpdir(), "edge-agent-pty-")));
    await p.replug();
    return p;
  }

  get pid(): number {
    return this.proc?.pid ?? -1;
  }

  /** Starts socat on the link paths and waits until both links point at live ptys. */
  async replug(timeoutMs = 5000): Promise<void> {
    if (this.proc !== null) throw new Error("socat is already running");
    // A socat killed hard leaves dangling links behind: socat would refuse to replace them.
    rmSync(this.a, { force: true });
    rmSync(this.b, { force: true });
    const proc = spawn(
      "socat",
      ["-d", "-d", `pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    proc.stderr?.on("data", (d: Buffer) => {
      this.log += d.toString();
    });
    this.proc = proc;
    const deadline = Date.now() + timeoutMs;
    while (!(existsSync(this.a) && existsSync(this.b))) {
      if (proc.exitCode !== null) throw new Error(`socat exited with ${proc.exitCode}: ${this.log}`);
      if (Date.now() > deadline)
        throw new Error(`socat links did not appear within ${timeoutMs} ms: ${this.log}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Kills socat by its PID and waits for it to exit: both ends see the device vanish. */
  async unplug(): Promise<void> {
    const p = this.proc;
    if (p === null) return;
    this.proc = null;
    if (p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      if (p.pid !== undefined) process.kill(p.pid, "SIGTERM");
      setTimeout(() => {
        if (p.exitCode === null && p.signalCode === null && p.pid !== undefined)
          process.kill(p.pid, "SIGKILL");
      }, 2000).unref();
    });
  }

  async close(): Promise<void> {
    await this.unplug();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
