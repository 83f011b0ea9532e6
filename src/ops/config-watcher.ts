import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Logger } from "pino";
import type { LoadedConfig } from "../config/load-config.js";

/** A folder to watch and which of its entries matter. */
export interface WatchTarget {
  readonly dir: string;
  readonly matches: (name: string) => boolean;
}

/**
 * What a running config depends on: the fleet file, the profiles folder, the models folder (a model
 * folder renamed into place) and each model folder's manifest.json and model.onnx. Folders, not
 * files, are watched: editors and `cp` replace files, which a watch on the old file would miss.
 */
export function watchTargets(config: LoadedConfig): WatchTarget[] {
  const fleetName = basename(config.fleetFile);
  const modelDirs = [...new Set(config.assets.map((a) => a.modelDir))];
  const modelNames = new Set(modelDirs.map((d) => basename(d)));
  const modelFiles = new Set(["manifest.json", "model.onnx"]);
  return [
    { dir: dirname(config.fleetFile), matches: (n) => n === fleetName },
    { dir: config.profilesDir, matches: (n) => n.endsWith(".yaml") },
    { dir: config.modelsDir, matches: (n) => modelNames.has(n) },
    ...modelDirs.map((d) => ({ dir: d, matches: (n: string) => modelFiles.has(n) })),
  ];
}

/** Calls `fire` once, `delayMs` after the last of a burst of `poke`s, with everything poked. */
export class Debouncer {
  private readonly delayMs: number;
  private readonly fire: (what: string[]) => void;
  private timer: NodeJS.Timeout | null = null;
  private readonly pending = new Set<string>();

  constructor(delayMs: number, fire: (what: string[]) => void) {
    this.delayMs = delayMs;
    this.fire = fire;
  }

  poke(what: string): void {
    this.pending.add(what);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const all = [...this.pending];
      this.pending.clear();
      this.fire(all);
    }, this.delayMs);
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }
}

/**
 * Watches the targets with fs.watch and reports changed paths once they are quiet for
 * `debounceMs` (a copy of a model folder is many events). `watch()` again replaces the set.
 */
export class ConfigWatcher {
  private readonly log: Logger;
  private readonly debouncer: Debouncer;
  private watchers: FSWatcher[] = [];

  constructor(debounceMs: number, log: Logger, onChange: (paths: string[]) => void) {
    this.log = log;
    this.debouncer = new Debouncer(debounceMs, onChange);
  }

  watch(targets: readonly WatchTarget[]): void {
    this.close();
    for (const t of targets) {
      try {
        const w = watch(t.dir, { persistent: false }, (_event, name) => {
          const n = name?.toString();
          if (n !== undefined && t.matches(n)) this.debouncer.poke(join(t.dir, n));
        });
        w.on("error", (err) => this.log.warn({ dir: t.dir, err: err.message }, "stopped watching a folder"));
        this.watchers.push(w);
      } catch (err) {
        this.log.warn(
          { dir: t.dir, err: (err as Error).message },
          "cannot watch a folder: changes there need SIGHUP",
        );
      }
    }
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  stop(): void {
    this.close();
    this.debouncer.cancel();
  }
}
