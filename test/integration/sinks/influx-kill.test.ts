import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Spool } from "../../../src/sinks/spool.js";
import { waitFor } from "../../helpers/collect.js";
import { haveTool } from "../../helpers/required-tool.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { VictoriaMetrics } from "../../helpers/victoria-metrics.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CHILD = fileURLToPath(new URL("../../fixtures/sinks/sink-child.ts", import.meta.url));

/** The sink in a child process, with the last `accepted <seq>` line it printed. */
class SinkChild {
  readonly proc: ChildProcess;
  accepted = -1;
  drained: Record<string, number | string> | null = null;
  stderr = "";
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.proc = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buf = "";
    this.proc.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith("accepted ")) this.accepted = Number(line.slice(9));
        if (line.startsWith("drained ")) this.drained = JSON.parse(line.slice(8));
      }
    });
    this.proc.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => this.proc.on("exit", (code) => r(code)));
  }
}

describe.skipIf(!haveTool("victoria-metrics"))("the InfluxDB sink killed during an outage", () => {
  let vm: VictoriaMetrics;
  let dir: ReturnType<typeof tempDir>;
  const children: SinkChild[] = [];

  beforeAll(async () => {
    vm = await VictoriaMetrics.start();
    dir = tempDir();
  });
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill("SIGKILL");
    await vm?.close();
    dir?.cleanup();
  });

  it("loses no accepted point and writes none twice when SIGKILLed mid-outage and restarted", async () => {
    const spoolPath = dir.path("state/spool.db");
    const base = Date.now() - 7_200_000;
    const first = new SinkChild([vm.url, spoolPath, String(base), "0", "10000000"]);
    children.push(first);
    expect(await waitFor(() => first.accepted >= 1000, 20_000)).toBe(true);
    await vm.stop();
    const atOutage = first.accepted;
    expect(await waitFor(() => first.accepted >= atOutage + 3000, 20_000)).toBe(true);
    first.proc.kill("SIGKILL");
    await first.exited;
    const lastAccepted = first.accepted; // points after it may or may not have been spooled: not accepted

    const spool = new Spool({ path: spoolPath, maxBytes: 1 << 30 });
    spool.open();
    const spooled = spool.stats().points;
    spool.close();
    expect(spooled).toBeGreaterThanOrEqual(lastAccepted - atOutage);

    await vm.restart();
    const FROM2 = 5_000_000;
    const second = new SinkChild([vm.url, spoolPath, String(base), String(FROM2), "1000"]);
    children.push(second);
    expect(await second.exited).toBe(0);
    expect(second.drained).not.toBeNull();
    process.stdout.write(
      `kill: accepted up to seq ${lastAccepted} before SIGKILL; ${spooled} points in the spool; ` +
        `after restart replayed ${second.drained!.replayed}, written ${second.drained!.written}\n`,
    );
    expect(second.drained!.replayed).toBe(spooled);

    const [series, ...more] = await vm.export(`features_seq{asset="a1"}`);
    expect(more).toHaveLength(0);
    const seen = new Map<number, number>();
    for (const t of series!.timestamps) seen.set(t - base, (seen.get(t - base) ?? 0) + 1);
    const twice = [...seen].filter(([, n]) => n > 1).map(([s]) => s);
    expect(twice).toEqual([]);
    const missing: number[] = [];
    for (let s = 0; s <= lastAccepted; s++) if (!seen.has(s)) missing.push(s);
    for (let s = FROM2; s < FROM2 + 1000; s++) if (!seen.has(s)) missing.push(s);
    expect(missing).toEqual([]);
  });
});
