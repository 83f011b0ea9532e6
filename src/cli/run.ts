import { Agent } from "../agent.js";
import { buildAgentParts } from "../agent-parts.js";
import { ConfigError, formatIssue } from "../config/config-issue.js";
import { type LoadedConfig, loadConfig } from "../config/load-config.js";
import { AgentService } from "../ops/agent-service.js";
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

/** Start-up errors that are the configuration's fault: exit 78 so systemd does not restart-loop. */
const CONFIG_CODES = new Set([
  "EA_SECRET_MISSING",
  "EA_MQTT_INSECURE_CREDENTIALS",
  "EA_MQTT_TLS_FILE",
  "EA_MQTT_TLS_URL",
  "EA_INFLUX_TLS_FILE",
  "EA_SPOOL_IO",
  "EA_STORE_IO",
  "EA_OUTBOX_OPEN",
]);

/** `edge-agent run --config FILE`: runs until SIGTERM or SIGINT; returns the exit code. */
export async function runCommand(opts: RunOptions): Promise<number> {
  const config = loadOrReport(opts.configFile, (l) => process.stderr.write(`${l}\n`));
  if (config === null) return EX_CONFIG;
  const log = createLogger({
    level: (opts.level ?? config.fleet.log.level) as "info",
    human: opts.human ?? false,
  });
  let agent: Agent | null = null;
  let parts: Awaited<ReturnType<typeof buildAgentParts>>;
  try {
    parts = await buildAgentParts(
      config,
      log,
      () => agent?.stats() ?? {},
      () => agent?.connection ?? null,
    );
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== undefined && CONFIG_CODES.has(code)) {
      log.fatal({ code, err: (err as Error).message }, "agent not started: fix the configuration");
      process.stderr.write(`${code}: ${(err as Error).message}\n`);
      return EX_CONFIG;
    }
    throw err;
  }
  agent = new Agent({ config, log, ...parts });
  const service = new AgentService({ agent, config, configFile: opts.configFile, log });
  try {
    await agent.start();
  } catch (err) {
    const code = (err as { code?: string }).code;
    await agent.stop(2000).catch(() => undefined);
    if (code !== undefined && CONFIG_CODES.has(code)) {
      log.fatal({ code, err: (err as Error).message }, "agent not started: fix the configuration");
      process.stderr.write(`${code}: ${(err as Error).message}\n`);
      return EX_CONFIG;
    }
    log.fatal({ err }, "agent failed to start");
    return EX_SOFTWARE;
  }
  await service.start();
  return waitForSignal(agent, log, config.fleet.ops.stopTimeoutMs, {
    before: () => service.beginStop(),
    after: () => service.endStop(),
  });
}

/** Steps around Agent.stop (the service's STOPPING=1, endpoint close). */
export interface StopHooks {
  before(): Promise<void>;
  after(): Promise<void>;
}

/**
 * Resolves with the exit code once a stop signal arrived and the agent stopped: sources stop,
 * queued windows finish, sinks and the outbox flush, `offline` is published — within
 * `stopTimeoutMs`, else it exits anyway (70). A second signal exits at once.
 */
export function waitForSignal(
  agent: Agent,
  log: Logger,
  stopTimeoutMs = 10_000,
  hooks?: StopHooks,
): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ module: "agent", signal }, "second stop signal: exiting without finishing the stop");
        resolve(EX_SOFTWARE);
        return;
      }
      stopping = true;
      const t0 = Date.now();
      log.info({ module: "agent", signal, boundMs: stopTimeoutMs }, "stopping");
      const hard = setTimeout(() => {
        log.error({ module: "agent", boundMs: stopTimeoutMs }, "stop took too long; exiting anyway");
        resolve(EX_SOFTWARE);
      }, stopTimeoutMs + 1000);
      hard.unref();
      const stop = async () => {
        await hooks?.before();
        // The hooks' own time comes out of the bound.
        await agent.stop(Math.max(500, stopTimeoutMs - (Date.now() - t0) - 500));
        await hooks?.after();
      };
      stop()
        .then(() => {
          log.info({ module: "agent", ms: Date.now() - t0 }, "stopped; exiting");
          resolve(EX_OK);
        })
        .catch((err: unknown) => {
          log.error({ err }, "error while stopping");
          resolve(EX_SOFTWARE);
        })
        .finally(() => clearTimeout(hard));
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
