import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { ConfigError, formatIssue } from "../config/config-issue.js";
import { type LoadedConfig, loadConfig } from "../config/load-config.js";
import { type LoadedModel, readManifest } from "../inference/load-model.js";
import { ConfigWatcher, watchTargets } from "./config-watcher.js";
import type { ReloadOutcome } from "./reload-plan.js";

/** The agent as the reloader sees it. */
export interface Reloadable {
  readonly currentConfig: LoadedConfig;
  loadedModels(): ReadonlyMap<string, LoadedModel>;
  reload(next: LoadedConfig, changedModels: ReadonlySet<string>): Promise<ReloadOutcome>;
}

/** Hooks around a reload (the systemd notifier: RELOADING=1 … READY=1). */
export interface ReloadHooks {
  begin(): void;
  end(note: string): void;
}

export interface ReloaderOptions {
  readonly agent: Reloadable;
  readonly configFile: string;
  readonly log: Logger;
  readonly hooks?: ReloadHooks;
  /** Watch the fleet file, profiles and model folders (SIGHUP reloads either way). */
  readonly watch: boolean;
  readonly debounceMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Hot reload on SIGHUP and on file changes: re-reads and validates the fleet file and its profiles,
 * finds model folders whose files changed, and asks the agent to switch. One reload at a time (a
 * request during one runs once more after it). On any failure the running config stays (the last
 * known good), the reason goes to the log and to systemd's STATUS=.
 */
export class Reloader {
  private readonly opts: ReloaderOptions;
  private readonly log: Logger;
  private readonly watcher: ConfigWatcher | null;
  private running: Promise<ReloadOutcome> | null = null;
  private again: string | null = null;
  private readonly onHup = () => void this.reload("SIGHUP");
  readonly counts = { applied: 0, refused: 0 };
  /** One line about the last reload, for /healthz. */
  last = "none since start";

  constructor(opts: ReloaderOptions) {
    this.opts = opts;
    this.log = opts.log;
    this.watcher = opts.watch
      ? new ConfigWatcher(
          opts.debounceMs,
          opts.log,
          (paths) => void this.reload(`changed: ${paths.join(", ")}`),
        )
      : null;
  }

  start(): void {
    process.on("SIGHUP", this.onHup);
    this.watcher?.watch(watchTargets(this.opts.agent.currentConfig));
  }

  /** Stops listening and waits for a reload in progress. */
  async stop(): Promise<void> {
    process.off("SIGHUP", this.onHup);
    this.watcher?.stop();
    this.again = null;
    await this.running?.catch(() => undefined);
  }

  /** Reloads now (or after the one in progress). */
  reload(trigger: string): Promise<ReloadOutcome> {
    if (this.running !== null) {
      this.again = trigger;
      return this.running;
    }
    this.running = this.run(trigger).finally(() => {
      this.running = null;
      const next = this.again;
      this.again = null;
      if (next !== null) void this.reload(next);
    });
    return this.running;
  }

  private async run(trigger: string): Promise<ReloadOutcome> {
    const t0 = Date.now();
    this.log.info({ trigger }, "reloading");
    this.opts.hooks?.begin();
    let outcome: ReloadOutcome;
    try {
      outcome = await this.attempt();
    } catch (err) {
      outcome = { applied: false, reason: `internal error: ${(err as Error).message}` };
    }
    if (outcome.applied) {
      this.counts.applied++;
      const { applied: _, restartNeeded, ...what } = outcome;
      this.log.info({ ...what, ms: Date.now() - t0 }, "reload applied");
      if (restartNeeded.length > 0) {
        this.log.warn(
          { settings: restartNeeded },
          "changed settings apply at the next restart; the running values stay",
        );
      }
      this.last = `applied at ${new Date().toISOString()}`;
      this.opts.hooks?.end(
        restartNeeded.length > 0 ? `restart needed for: ${restartNeeded.join(", ")}` : "reloaded",
      );
    } else {
      this.counts.refused++;
      this.log.error({ reason: outcome.reason }, "reload refused: still running the last good config");
      this.last = `refused at ${new Date().toISOString()}: ${outcome.reason}`;
      this.opts.hooks?.end(`reload refused: ${outcome.reason}`);
    }
    this.watcher?.watch(watchTargets(this.opts.agent.currentConfig));
    return outcome;
  }

  private async attempt(): Promise<ReloadOutcome> {
    let next: LoadedConfig;
    try {
      next = loadConfig(this.opts.configFile, this.opts.env ?? process.env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const i of err.issues) this.log.error({ file: i.file, path: i.path }, formatIssue(i));
      const first = err.issues[0];
      return {
        applied: false,
        reason: `${err.code}: ${err.issues.length} problem(s)${first ? `, first: ${formatIssue(first)}` : ""}`,
      };
    }
    const known = new Set(this.opts.agent.currentConfig.profileIssues.map(formatIssue));
    const fresh = next.profileIssues.filter((i) => !known.has(formatIssue(i)));
    if (fresh.length > 0) {
      for (const i of fresh) this.log.error({ file: i.file, path: i.path }, formatIssue(i));
      return {
        applied: false,
        reason: `EA_PROFILE_INVALID: ${fresh.length} new problem(s), first: ${formatIssue(fresh[0]!)}`,
      };
    }
    const changed = await changedModelDirs(
      this.opts.agent.loadedModels(),
      new Set(next.assets.map((a) => a.modelDir)),
    );
    return this.opts.agent.reload(next, changed);
  }
}

/**
 * Loaded model folders (among `needed`) whose manifest.json or model.onnx differ from what was
 * loaded: the manifest is compared as parsed, the ONNX file by its sha256. A folder that cannot
 * be read counts as changed (loading it then says why).
 */
export async function changedModelDirs(
  loaded: ReadonlyMap<string, LoadedModel>,
  needed: ReadonlySet<string>,
): Promise<Set<string>> {
  const changed = new Set<string>();
  for (const [dir, model] of loaded) {
    if (!needed.has(dir)) continue;
    try {
      const manifest = await readManifest(dir);
      if (JSON.stringify(manifest) !== JSON.stringify(model.manifest)) {
        changed.add(dir);
        continue;
      }
      const sha = createHash("sha256")
        .update(await readFile(join(dir, "model.onnx")))
        .digest("hex");
      if (sha !== model.manifest.sha256) changed.add(dir);
    } catch {
      changed.add(dir);
    }
  }
  return changed;
}
