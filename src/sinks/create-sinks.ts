import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { LoadedConfig } from "../config/load-config.js";
import { resolveSecret } from "../config/secrets.js";
import { resolveStatePath } from "../config/state-path.js";
import { storeSchema } from "../config/sinks-schema.js";
import type { Logger } from "../ops/logger.js";
import { InfluxSink } from "./influx-sink.js";
import { LocalStore } from "./local-store.js";
import { SinkError } from "./sink-error.js";
import type { TelemetrySink } from "./telemetry-sink.js";

export interface CreateSinksOptions {
  /** Extra numbers for the `edge_agent` measurement (e.g. the agent's counters, flattened). */
  readonly agentMetrics?: () => Readonly<Record<string, number>>;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Where a relative state file (spool, store) lives: under systemd's `$STATE_DIRECTORY`
 * (`StateDirectory=edge-agent`) when it is set, else beside the fleet file.
 */
export function statePath(config: LoadedConfig, p: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolveStatePath(config.fleetFile, p, env);
}

/** Whether the local store runs: asked for, or by default when there is no InfluxDB. */
export function storeEnabled(config: LoadedConfig): boolean {
  const s = config.fleet.store;
  return s?.enabled ?? config.fleet.influx === undefined;
}

/** The local store's file (also when it is off: `export` reads it). */
export function storeFile(config: LoadedConfig, env: NodeJS.ProcessEnv = process.env): string {
  return statePath(config, (config.fleet.store ?? storeSchema.parse({})).path, env);
}

/**
 * The history sinks of a fleet: InfluxDB when there is an `influx:` section, the local SQLite
 * store when there is none (or `store.enabled: true`). Resolves the token and the CA file now,
 * so a missing secret stops start-up (SecretError EA_SECRET_MISSING, SinkError EA_INFLUX_TLS_FILE).
 */
export function createSinks(
  config: LoadedConfig,
  log: Logger,
  opts: CreateSinksOptions = {},
): TelemetrySink[] {
  const env = opts.env ?? process.env;
  const fleet = config.fleet;
  const baseDir = dirname(config.fleetFile);
  const sinks: TelemetrySink[] = [];
  const influx = fleet.influx;
  if (influx !== undefined) {
    const token = influx.token !== undefined ? resolveSecret(influx.token, baseDir, env) : undefined;
    let ca: string | undefined;
    if (influx.tls?.caFile !== undefined) {
      const file = resolve(baseDir, influx.tls.caFile);
      try {
        ca = readFileSync(file, "utf8");
      } catch (err) {
        throw new SinkError(
          "EA_INFLUX_TLS_FILE",
          `influx.tls.caFile: cannot read ${file}: ${(err as Error).message}`,
        );
      }
    }
    sinks.push(
      new InfluxSink({
        config: influx,
        spoolPath: statePath(config, influx.spoolPath, env),
        token,
        ca,
        agentId: fleet.agent.id,
        log: log.child({ module: "influx" }),
        agentMetrics: opts.agentMetrics,
      }),
    );
  }
  if (storeEnabled(config)) {
    sinks.push(
      new LocalStore({
        config: fleet.store ?? storeSchema.parse({}),
        path: storeFile(config, env),
        log: log.child({ module: "store" }),
      }),
    );
  }
  return sinks;
}
