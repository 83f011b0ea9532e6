import type { AdviceConsumer } from "./actions/advice-consumer.js";
import type { LoadedConfig } from "./config/load-config.js";
import type { Logger } from "./ops/logger.js";
import type { TelemetrySink } from "./sinks/telemetry-sink.js";
import { createSources } from "./sources/create-sources.js";
import { SerialPortManager } from "./sources/serial-port-manager.js";
import type { Source } from "./sources/source.js";

/** The parts of an agent that its config asks for besides the MQTT pipeline. */
export interface AgentParts {
  readonly sources: Source[];
  readonly sinks: TelemetrySink[];
  readonly consumers: AdviceConsumer[];
  /** Serial ports, opened once and shared by readers (sources) and writers (actuator commands). */
  readonly ports: SerialPortManager;
}

/** Builds sources, sinks and advice consumers from the config (none of them started yet). */
export function buildAgentParts(config: LoadedConfig, log: Logger): AgentParts {
  const ports = new SerialPortManager(log.child({ module: "serial" }));
  const sources = createSources(config, log, ports);
  return { sources, sinks: [], consumers: [], ports };
}
