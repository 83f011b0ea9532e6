import { ActionConsumer } from "./actions/action-consumer.js";
import type { ActionMqtt } from "./actions/action-mqtt.js";
import type { AdviceConsumer } from "./actions/advice-consumer.js";
import { SerialCommandTransport } from "./actions/command-transport.js";
import { mqttActionPort } from "./actions/mqtt-action-port.js";
import type { LoadedConfig } from "./config/load-config.js";
import type { Logger } from "./ops/logger.js";
import { createSinks } from "./sinks/create-sinks.js";
import type { TelemetrySink } from "./sinks/telemetry-sink.js";
import type { SerialPortManager } from "./sources/serial-port-manager.js";
import type { MqttConnection } from "./sources/mqtt-connection.js";
import type { Source } from "./sources/source.js";

/** The parts of an agent that its config asks for besides the MQTT pipeline. */
export interface AgentParts {
  readonly sources: Source[];
  readonly sinks: TelemetrySink[];
  readonly consumers: AdviceConsumer[];
  /** Serial ports, opened once and shared by readers (sources) and writers (actuator commands). */
  readonly ports: SerialPortManager | null;
}

/**
 * Builds sources, sinks and advice consumers from the config (none of them started yet).
 * `agentStats` reads the agent's counters for the self-metrics that sinks write; `connection`
 * gives the agent's MQTT connection once it exists (commands, confirmations). Throws coded
 * errors (a missing secret, an unreadable TLS file) that are the configuration's fault.
 */
export async function buildAgentParts(
  config: LoadedConfig,
  log: Logger,
  agentStats: () => Record<string, unknown> = () => ({}),
  connection: () => MqttConnection | null = () => null,
): Promise<AgentParts> {
  // Serial and Modbus code (and its native addon) is loaded only when a profile needs it.
  let ports: SerialPortManager | null = null;
  let sources: Source[] = [];
  if (config.assets.some((a) => a.profile.transport.type !== "mqtt")) {
    const { SerialPortManager } = await import("./sources/serial-port-manager.js");
    const { createSources } = await import("./sources/create-sources.js");
    ports = new SerialPortManager(log.child({ module: "serial" }));
    sources = createSources(config, log, ports);
  }
  const sinks = createSinks(config, log, { agentMetrics: () => selfMetrics(agentStats()) });
  const consumers: AdviceConsumer[] = [];
  if (config.assets.some((a) => (a.profile.actions?.rules.length ?? 0) > 0)) {
    let port: ActionMqtt | null = null;
    consumers.push(
      new ActionConsumer({
        config,
        log,
        mqtt: () => {
          const c = connection();
          if (c === null) return null;
          port ??= mqttActionPort(c);
          return port;
        },
        transports: ports === null ? {} : { serial: new SerialCommandTransport(ports) },
      }),
    );
  }
  return { sources, sinks, consumers, ports };
}

type Counters = { messages: number; windows: number; predictions: number; adviceChanges: number };

/** The agent's counters as the flat numbers of the `edge_agent` measurement. */
function selfMetrics(s: Record<string, unknown>): Record<string, number> {
  const assets = Object.values((s.assets ?? {}) as Record<string, Counters>);
  const sum = (k: keyof Counters) => assets.reduce((n, a) => n + a[k], 0);
  return {
    assets: assets.length,
    messages: sum("messages"),
    windows: sum("windows"),
    predictions: sum("predictions"),
    advice_changes: sum("adviceChanges"),
    discarded: Number(s.discarded ?? 0),
    rss_mb: process.memoryUsage().rss / 1048576,
  };
}
