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
 * command goes out at most once). MQTT is built in; a serial one comes from the serial source
 * that owns the port.
 */
export interface CommandTransport {
  send(command: OutgoingCommand, payload: Buffer): Promise<void>;
}

/** Commands as MQTT messages (never retained) on the agent's connection. */
export class MqttCommandTransport implements CommandTransport {
  private readonly mqtt: ActionMqtt;

  constructor(mqtt: ActionMqtt) {
    this.mqtt = mqtt;
  }

  async send(command: OutgoingCommand, payload: Buffer): Promise<void> {
    this.mqtt.publish(command.destination, payload, command.qos, false);
  }
}
