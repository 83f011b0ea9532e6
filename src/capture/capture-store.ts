import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Advice } from "../types.js";
import type { CapturedWindow } from "./raw-ring.js";

/**
 * Raw windows saved around advice changes, one folder per capture:
 * `<dir>/<site>/<asset>/<changedAt ISO>_<transition>_<episodeId>/` with `capture.json` and one
 * `wNNN-<channel>.f32` file (little-endian float32) per window and channel. The folder is
 * bounded: after each save the oldest captures are deleted until the total is within maxBytes.
 */

export interface CaptureFileWindow {
  readonly t0Ms: number;
  readonly tsMs: number;
  readonly sampleRateHz: number;
  /** Before or after the window whose evidence made the change. */
  readonly when: "before" | "after";
  readonly files: Readonly<Record<string, { readonly file: string; readonly samples: number }>>;
}

export interface CaptureFile {
  readonly site: string;
  readonly asset: string;
  readonly episodeId: string;
  readonly transition: string;
  readonly fault: string;
  readonly model: string;
  readonly windowTsMs: number;
  readonly changedAtMs: number;
  readonly windows: readonly CaptureFileWindow[];
}

interface Held {
  readonly path: string;
  readonly bytes: number;
  readonly createdMs: number;
}

export class CaptureStore {
  readonly dir: string;
  readonly maxBytes: number;
  readonly counts = { saved: 0, deleted: 0, failed: 0 };
  private held: Held[] = [];
  private totalBytes = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(dir: string, maxBytes: number) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Indexes the captures already on disk (oldest first) so the bound counts them. */
  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const found: Held[] = [];
    for (const site of await dirs(this.dir)) {
      for (const asset of await dirs(join(this.dir, site))) {
        for (const cap of await dirs(join(this.dir, site, asset))) {
          const path = join(this.dir, site, asset, cap);
          let bytes = 0;
          for (const f of await readdir(path)) bytes += (await stat(join(path, f))).size;
          found.push({ path, bytes, createdMs: (await stat(path)).mtimeMs });
        }
      }
    }
    this.held = found.sort((a, b) => a.createdMs - b.createdMs || a.path.localeCompare(b.path));
    this.totalBytes = found.reduce((s, h) => s + h.bytes, 0);
    await this.enforce();
  }

  /** Waits for the saves in flight, at most `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.tail, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Saves the windows of one advice change; resolves with the folder (or null when it failed). */
  save(advice: Advice, windows: readonly CapturedWindow[]): Promise<string | null> {
    const job = this.tail.then(() => this.write(advice, windows));
    this.tail = job.catch(() => undefined);
    return job;
  }

  private async write(a: Advice, windows: readonly CapturedWindow[]): Promise<string | null> {
    const stamp = new Date(a.changedAtMs).toISOString().replaceAll(":", "-");
    const path = join(this.dir, a.site, a.asset, `${stamp}_${a.transition}_${safe(a.episodeId)}`);
    try {
      await mkdir(path, { recursive: true });
      let bytes = 0;
      const meta: CaptureFileWindow[] = [];
      for (const [i, w] of windows.entries()) {
        const files: Record<string, { file: string; samples: number }> = {};
        for (const [channel, x] of Object.entries(w.channels)) {
          const file = `w${String(i).padStart(3, "0")}-${safe(channel)}.f32`;
          await writeFile(join(path, file), littleEndian(x));
          bytes += x.byteLength;
          files[channel] = { file, samples: x.length };
        }
        const when = w.tsMs <= a.windowTsMs ? "before" : "after";
        meta.push({ t0Ms: w.t0Ms, tsMs: w.tsMs, sampleRateHz: w.sampleRateHz, when, files });
      }
      const file: CaptureFile = {
        site: a.site,
        asset: a.asset,
        episodeId: a.episodeId,
        transition: a.transition,
        fault: a.fault,
        model: a.model,
        windowTsMs: a.windowTsMs,
        changedAtMs: a.changedAtMs,
        windows: meta,
      };
      const json = `${JSON.stringify(file, null, 1)}\n`;
      await writeFile(join(path, "capture.json"), json);
      bytes += Buffer.byteLength(json);
      this.held.push({ path, bytes, createdMs: a.changedAtMs });
      this.totalBytes += bytes;
      this.counts.saved++;
      await this.enforce();
      return this.held.some((h) => h.path === path) ? path : null;
    } catch {
      this.counts.failed++;
      await rm(path, { recursive: true, force: true }).catch(() => undefined);
      return null;
    }
  }

  /** Deletes the oldest captures until the folder is within its bound. */
  private async enforce(): Promise<void> {
    while (this.totalBytes > this.maxBytes && this.held.length > 0) {
      const oldest = this.held.shift()!;
      await rm(oldest.path, { recursive: true, force: true });
      this.totalBytes -= oldest.bytes;
      this.counts.deleted++;
    }
  }
}

/** Reads a capture folder back: its description and each window's samples per channel. */
export async function readCapture(path: string): Promise<{
  meta: CaptureFile;
  windows: { meta: CaptureFileWindow; channels: Record<string, Float32Array> }[];
}> {
  const meta = JSON.parse(await readFile(join(path, "capture.json"), "utf8")) as CaptureFile;
  const windows = [];
  for (const w of meta.windows) {
    const channels: Record<string, Float32Array> = {};
    for (const [c, f] of Object.entries(w.files)) {
      const b = await readFile(join(path, f.file));
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const x = new Float32Array(f.samples);
      for (let i = 0; i < x.length; i++) x[i] = view.getFloat32(i * 4, true);
      channels[c] = x;
    }
    windows.push({ meta: w, channels });
  }
  return { meta, windows };
}

function littleEndian(x: Float32Array): Buffer {
  const b = Buffer.alloc(x.length * 4);
  for (let i = 0; i < x.length; i++) b.writeFloatLE(x[i]!, i * 4);
  return b;
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, "_");
}

async function dirs(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
