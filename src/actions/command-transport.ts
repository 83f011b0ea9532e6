import type { ActionMqtt } from "./action-mqtt.js";

/** A command on its way out: which one, for which asset, and where its transport sends it. */
export interface OutgoingCommand {
  readonly id: string;
  readonly name: string;
  readonly site: string;
  readonly asset: string;
  /** MQTT: the topic, with its placeholders filled in; serial: the port's name. */
  readonly destination: string;
  readonly qos: 0 | 1;
}

/**
 * Sends a rendered command payload. Implementations write and return: they never retry (a
 * command goes out at most once). MQTT and serial (through the agent's shared ports) are here.
 */
export type Readiness = "ready" | "waiting" | "absent";

export interface CommandTransport {
  /**
   * Whether a send can go out now: `ready`, `waiting` (the broker or port is away: the command
   * waits, its expiry still holds; it is never left queued to go out late) or `absent` (no such
   * destination: the command is refused).
   */
  readiness(command: OutgoingCommand): Readiness;
  send(command: OutgoingCommand, payload: Buffer): Promise<void>;
}

/** Commands as MQTT messages (never retained) on the agent's connection. */
export class MqttCommandTransport implements CommandTransport {
  private readonly mqtt: ActionMqtt;

  constructor(mqtt: ActionMqtt) {
    this.mqtt = mqtt;
  }

  readiness(): Readiness {
    return this.mqtt.isConnected() ? "ready" : "waiting";
  }

  async send(command: OutgoingCommand, payload: Buffer): Promise<void> {
    this.mqtt.publish(command.destination, payload, command.qos, false);
  }
}

/** What the serial transport needs of the agent's SerialPortManager. */
export interface SerialWriter {
  get(path: string): { readonly connected: boolean } | undefined;
  write(path: string, bytes: Uint8Array): Promise<void>;
}

/**
 * Commands as frames on a serial port that a source holds open (the command's `port` is its
 * path): one port, one writer, shared with the reader.
 */
export class SerialCommandTransport implements CommandTransport {
  private readonly ports: SerialWriter;

  constructor(ports: SerialWriter) {
    this.ports = ports;
  }

  readiness(command: OutgoingCommand): Readiness {
    const port = this.ports.get(command.destination);
    if (port === undefined) return "absent";
    return port.connected ? "ready" : "waiting";
  }

  send(command: OutgoingCommand, payload: Buffer): Promise<void> {
    return this.ports.write(command.destination, payload);
  }
}
