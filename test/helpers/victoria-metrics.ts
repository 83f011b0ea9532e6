import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { stopProcess } from "./stop-process.js";

/** One series as `/api/v1/export` returns it: `measurement_field` and the point's tags as labels. */
export interface ExportedSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly number[];
  readonly timestamps: readonly number[];
}

/**
 * A private VictoriaMetrics on a free loopback port, storing in a temporary folder, so that a
 * test can stop it (an outage) and start it again on the same port with the same data.
 * It accepts the InfluxDB v2 write API (`/api/v2/write`); `measurement,tags field=v` becomes the
 * metric `measurement_field` with the tags as labels (string fields become 0: read numbers back).
 * Duplicates are kept (no -dedup.minScrapeInterval), so a point written twice is seen twice.
 */
export class VictoriaMetrics {
  readonly dir: string;
  port = 0;
  log = "";
  private proc: ChildProcess | null = null;

  private constructor(dir: string) {
    this.dir = dir;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<VictoriaMetrics> {
    const vm = new VictoriaMetrics(mkdtempSync(join(tmpdir(), "edge-agent-vm-")));
    vm.port = await freePort();
    await vm.restart();
    return vm;
  }

  /** Starts (again) on the same port and storage folder; resolves when it answers /health. */
  async restart(): Promise<void> {
    const proc = spawn(
      "victoria-metrics",
      [
        `-storageDataPath=${this.dir}`,
        `-httpListenAddr=127.0.0.1:${this.port}`,
        // Test timestamps may be old: keep everything (the default, 1 month, drops older samples).
        "-retentionPeriod=100y",
        "-loggerLevel=ERROR",
        "-search.latencyOffset=0s",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    proc.stderr?.on("data", (d: Buffer) => {
      this.log += d.toString();
    });
    this.proc = proc;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`victoria-metrics exited (${proc.exitCode}): ${this.log}`);
      try {
        const res = await fetch(`${this.url}/health`);
        if (res.ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline)
        throw new Error(`victoria-metrics did not answer on ${this.url}: ${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the server (SIGTERM: it flushes its data first). An outage, as a client sees it. */
  async stop(): Promise<void> {
    await stopProcess(this.proc, 5000);
    this.proc = null;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every sample of the series matching `match` (a series selector), after making recent writes visible. */
  async export(match: string): Promise<ExportedSeries[]> {
    await fetch(`${this.url}/internal/force_flush`);
    const body = new URLSearchParams({ "match[]": match, start: "1", end: String(4_000_000_000) });
    const res = await fetch(`${this.url}/api/v1/export`, { method: "POST", body });
    if (!res.ok) throw new Error(`export failed: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as ExportedSeries);
  }
}
