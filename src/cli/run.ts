import { Agent } from "../agent.js";
import { ConfigError, formatIssue } from "../config/config-issue.js";
import { type LoadedConfig, loadConfig } from "../config/load-config.js";
import { createLogger, type Logger } from "../ops/logger.js";
import { EX_CONFIG, EX_OK, EX_SOFTWARE } from "./exit-codes.js";

export interface RunOptions {
  readonly configFile: string;
  readonly human?: boolean;
  readonly level?: string;
}

/** Loads the config or prints every problem and returns null (the caller exits 78). */
export function loadOrReport(configFile: string, err: (line: string) => void): LoadedConfig | null {
  try {
    return loadConfig(configFile);
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const i of e.issues) err(formatIssue(i));
      err(`${e.code}: ${e.issues.length} problem(s); the agent did not start`);
      return null;
    }
    throw e;
  }
}

/** `edge-agent run --config FILE`: runs until SIGTERM or SIGINT; returns the exit code. */
export async function runCommand(opts: RunOptions): Promise<number> {
  const config = loadOrReport(opts.configFile, (l) => process.stderr.write(`${l}\n`));
  if (config === null) return EX_CONFIG;
  const log = createLogger({
    level: (opts.level ?? config.fleet.log.level) as "info",
    human: opts.human ?? false,
  });
  const agent = new Agent({ config, log });
  try {
    await agent.start();
  } catch (err) {
    log.fatal({ err }, "agent failed to start");
    return EX_SOFTWARE;
  }
  return waitForSignal(agent, log);
}

/** Resolves with the exit code once a stop signal arrived and the agent stopped (bounded). */
export function waitForSignal(agent: Agent, log: Logger, stopTimeoutMs = 10_000): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ module: "agent", signal }, "stopping");
      const hard = setTimeout(() => {
        log.error({ module: "agent" }, "stop took too long; exiting anyway");
        resolve(EX_SOFTWARE);
      }, stopTimeoutMs + 1000);
      hard.unref();
      agent
        .stop(stopTimeoutMs)
        .then(() => resolve(EX_OK))
        .catch((err: unknown) => {
          log.error({ err }, "error while stopping");
          resolve(EX_SOFTWARE);
        })
        .finally(() => clearTimeout(hard));
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  });
}
