import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "../../helpers/collect.js";

const SCRIPT = fileURLToPath(new URL("../../fixtures/ops/notify-receiver.py", import.meta.url));

export interface NotifyMessage {
  /** When the test saw it (ms, Date.now). */
  readonly t: number;
  /** Sender pid from SCM_CREDENTIALS. */
  readonly pid: number | null;
  readonly fields: Record<string, string>;
}

/**
 * A real unix datagram socket standing in for systemd's notify socket (python3: Node cannot bind
 * one). Every datagram becomes a NotifyMessage; BARRIER=1 messages are left out.
 */
export class NotifyReceiver {
  readonly messages: NotifyMessage[] = [];
  private readonly proc: ChildProcess;
  private ready = false;

  private constructor(readonly path: string) {
    this.proc = spawn("python3", [SCRIPT, path], { stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    this.proc.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const o = JSON.parse(buf.slice(0, i)) as { ready?: boolean; pid?: number | null; msg?: string };
        buf = buf.slice(i + 1);
        if (o.ready) this.ready = true;
        if (o.msg === undefined) continue;
        const fields: Record<string, string> = {};
        for (const line of o.msg.split("\n")) {
          const eq = line.indexOf("=");
          if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
        }
        if (fields.BARRIER === undefined) this.messages.push({ t: Date.now(), pid: o.pid ?? null, fields });
      }
    });
  }

  static async start(path: string): Promise<NotifyReceiver> {
    const r = new NotifyReceiver(path);
    if (!(await waitFor(() => r.ready, 5000))) throw new Error("notify receiver did not start");
    return r;
  }

  /** Messages that carry `key` (optionally with that value). */
  with(key: string, value?: string): NotifyMessage[] {
    return this.messages.filter(
      (m) => m.fields[key] !== undefined && (value === undefined || m.fields[key] === value),
    );
  }

  stop(): void {
    this.proc.kill("SIGTERM");
  }
}
