import type { Registry } from "prom-client";
import type { Logger } from "pino";
import type { Agent } from "../agent.js";
import type { LoadedConfig } from "../config/load-config.js";
import { createNotifier } from "./create-notifier.js";
import { buildHealth, statusLine } from "./health.js";
import { type Liveness, LivenessCheck } from "./liveness.js";
import { ActionConsumer } from "../actions/action-consumer.js";
import type { AdviceConsumer } from "../actions/advice-consumer.js";
import { registerActionMetrics } from "../actions/action-metrics.js";
import { handleFeedbackHttp } from "../feedback/feedback-http.js";
import { createMetrics } from "./metrics.js";
import { OpsServer } from "./ops-server.js";
import { livenessSnapshot } from "./ops-view.js";
import { Reloader } from "./reloader.js";
import { watchdogIntervalMs } from "./sd-notify.js";
import { ServiceNotifier } from "./service-notifier.js";

export interface AgentServiceOptions {
  readonly agent: Agent;
  readonly config: LoadedConfig;
  readonly configFile: string;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/** mqtt.js gives up on a connection attempt after this long (MqttConnection's connectTimeout). */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Everything that makes the agent a service, around a started Agent: systemd notifications and
 * the watchdog fed by the liveness check, `/healthz` and `/metrics`, hot reload on SIGHUP and file
 * changes. `edge-agent run` uses it; tests that build an Agent in-process need none of it.
 */
export class AgentService {
  private readonly opts: AgentServiceOptions;
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;
  private readonly liveness: LivenessCheck;
  private last: Liveness = { alive: true, reasons: [], stalledModels: [] };
  private notifier: ServiceNotifier | null = null;
  private reloader: Reloader | null = null;
  private server: OpsServer | null = null;

  constructor(opts: AgentServiceOptions) {
    this.opts = opts;
    this.log = opts.log.child({ module: "ops" });
    this.env = opts.env ?? process.env;
    const { ops, mqtt } = opts.config.fleet;
    this.liveness = new LivenessCheck({
      inferenceStallMs: ops.inferenceStallMs,
      reconnectStallMs: mqtt.reconnect.maxMs * (1 + mqtt.reconnect.jitter) + CONNECT_TIMEOUT_MS + 20_000,
    });
  }

  /** Port of the health/metrics endpoint (0 when off or not listening). */
  get httpPort(): number {
    return this.server?.port ?? 0;
  }

  get reloads(): Reloader | null {
    return this.reloader;
  }

  /** Checks liveness now (the watchdog and /healthz call it; it keeps its own clock marks). */
  checkLiveness(): Liveness {
    this.last = this.liveness.check(livenessSnapshot(this.opts.agent.opsView(), Date.now()));
    return this.last;
  }

  /** After agent.start(): the endpoint, reload, then READY=1 and the watchdog. */
  async start(): Promise<void> {
    const { agent, config } = this.opts;
    const ops = config.fleet.ops;
    const raw = await createNotifier(this.env, this.opts.log.child({ module: "systemd" }));
    const reloadLog = this.opts.log.child({ module: "reload" });
    const notifier = new ServiceNotifier({
      notifier: raw,
      log: this.log,
      watchdogMs: watchdogIntervalMs(this.env),
      liveness: () => this.checkLiveness(),
      status: () => statusLine(agent.opsView(), this.last),
    });
    this.notifier = notifier;
    this.reloader = new Reloader({
      agent,
      configFile: this.opts.configFile,
      log: reloadLog,
      hooks: { begin: () => notifier.reloading(), end: (note) => notifier.reloaded(note) },
      watch: ops.watch,
      debounceMs: ops.watchDebounceMs,
      env: this.env,
    });
    if (ops.http !== false) {
      const reloader = this.reloader;
      this.server = new OpsServer({
        host: ops.http.host,
        port: ops.http.port,
        log: this.log,
        health: () =>
          buildHealth(agent.opsView(), this.checkLiveness(), Date.now(), { lastReload: reloader.last }),
        metrics: withActionMetrics(
          createMetrics(() => agent.opsView(), {
            liveness: () => this.last,
            reloads: () => reloader.counts,
          }),
          agent.opsView().consumers,
        ),
        routes: (req, res) => handleFeedbackHttp(req, res, () => agent.qualityLoop),
      });
      await this.server.start();
    }
    this.reloader.start();
    notifier.ready();
  }

  /** A stop begins: STOPPING=1, no more reloads (one in progress finishes first). */
  async beginStop(): Promise<void> {
    this.notifier?.stopping();
    await this.reloader?.stop();
  }

  /** After agent.stop(): the endpoint closes, queued notifications go out. */
  async endStop(): Promise<void> {
    await this.server?.stop(500);
    await this.notifier?.close(1000);
  }
}

/** The outbox's own metrics (jobs by state, deliveries, command events) beside the agent's. */
function withActionMetrics(registry: Registry, consumers: readonly AdviceConsumer[]): Registry {
  for (const c of consumers) if (c instanceof ActionConsumer) registerActionMetrics(registry, c);
  return registry;
}
