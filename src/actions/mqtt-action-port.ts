import type { ActionMqtt } from "./action-mqtt.js";

/**
 * What the adapter needs of the agent's MqttConnection: its publish and subscribe, its state,
 * and a way to add a message handler beside the agent's own (`addMessageHandler`).
 */
export interface ActionConnection {
  readonly state: string;
  publish(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean): void;
  subscribe(subs: readonly { readonly topic: string; readonly qos: 0 | 1 }[]): void;
  addMessageHandler(handler: (topic: string, payload: Buffer) => void): unknown;
}

/** The actions stage's view of the agent's MQTT connection. */
export function mqttActionPort(conn: ActionConnection): ActionMqtt {
  return {
    publish: (topic, payload, qos, retain) => conn.publish(topic, payload, qos, retain),
    subscribe: (subs) => conn.subscribe(subs),
    onMessage: (handler) => {
      conn.addMessageHandler(handler);
    },
    isConnected: () => conn.state === "connected",
  };
}
