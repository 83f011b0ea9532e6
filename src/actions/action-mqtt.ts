/**
 * What the actions stage needs of the agent's MQTT connection: publish commands, requests and
 * audit events, and receive confirmations and acknowledgements.
 */
export interface ActionMqtt {
  publish(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean): void;
  /** Adds subscriptions (kept across reconnects). */
  subscribe(subs: readonly { readonly topic: string; readonly qos: 0 | 1 }[]): void;
  /** Adds a message handler (beside the agent's own). */
  onMessage(handler: (topic: string, payload: Buffer) => void): void;
  /** Whether the broker is connected now: a command is never left queued in memory to go out late. */
  isConnected(): boolean;
}

export type ActionTopicKind = "request" | "confirm" | "audit";

/** `<prefix>/<site>/<asset>/actions/<id>/<kind>` */
export function actionTopic(
  prefix: string,
  site: string,
  asset: string,
  id: string,
  kind: ActionTopicKind,
): string {
  return `${prefix}/${site}/${asset}/actions/${id}/${kind}`;
}

/** The filter that receives every confirmation: `<prefix>/+/+/actions/+/confirm`. */
export function confirmFilter(prefix: string): string {
  return `${prefix}/+/+/actions/+/confirm`;
}

/** Site, asset and id of a confirmation topic, or null when the topic is not one. */
export function parseConfirmTopic(
  prefix: string,
  topic: string,
): { site: string; asset: string; id: string } | null {
  if (!topic.startsWith(`${prefix}/`)) return null;
  const rest = topic.slice(prefix.length + 1).split("/");
  if (rest.length !== 5 || rest[2] !== "actions" || rest[4] !== "confirm") return null;
  const [site, asset, , id] = rest as [string, string, string, string, string];
  if (site === "" || asset === "" || id === "") return null;
  return { site, asset, id };
}
