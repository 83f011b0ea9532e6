import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { Logger } from "pino";
import type { MqttConfig } from "../config/fleet-schema.js";
import { resolveSecret } from "../config/secrets.js";
import { nextBackoffMs } from "./backoff.js";

export interface Subscription {
  readonly topic: string;
  readonly qos: 0 | 1;
}

export type MessageHandler = (topic: string, payload: Buffer) => void;

export interface MqttConnectionOptions {
  readonly config: MqttConfig;
  /** Folder of the fleet file: relative secret and TLS file names are resolved against it. */
  readonly baseDir: string;
  readonly clientId: string;
  /** Retained status topic: `online` on every connect, `offline` as the last will and on stop. */
  readonly statusTopic: string;
  readonly statusPayload: () => string;
  readonly log: Logger;
  readonly random?: () => number;
}

export type ConnectionState = "connecting" | "connected" | "disconnected" | "stopped";

export class MqttConnectionError extends Error {
  readonly code: "EA_MQTT_INSECURE_CREDENTIALS" | "EA_MQTT_TLS_FILE";
  constructor(code: MqttConnectionError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * One MQTT client for the whole agent: a stable client id with a persistent session (the broker
 * queues QoS 1 messages while the agent is away), subscriptions restored whenever the broker
 * reports no session, reconnects with bounded exponential backoff and jitter, TCP_NODELAY, a
 * retained online/offline status with a last will. Logs state changes, not every retry.
 */
export class MqttConnection {
  private readonly opts: MqttConnectionOptions;
  private client: MqttClient | null = null;
  private readonly subs: Subscription[] = [];
  private handler: MessageHandler = () => {};
  private attempt = 0;
  private _state: ConnectionState = "disconnected";
  private lastError = "";
  private connectedOnce: Promise<void> | null = null;
  readonly stats = { connects: 0, reconnects: 0, subscribeErrors: 0 };

  constructor(opts: MqttConnectionOptions) {
    this.opts = opts;
  }

  get state(): ConnectionState {
    return this._state;
  }

  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }

  /** Adds subscriptions; made now if connected, and again after any reconnect without a session. */
  subscribe(subs: readonly Subscription[]): void {
    for (const s of subs) if (!this.subs.some((x) => x.topic === s.topic)) this.subs.push(s);
    if (this.client?.connected) this.sendSubscriptions(subs);
  }

  /** Starts connecting; resolves at the first connection. The broker being down is not fatal. */
  start(): Promise<void> {
    const c = this.opts.config;
    const options = this.clientOptions();
    this._state = "connecting";
    const client = mqtt.connect(c.url, options);
    this.client = client;
    this.connectedOnce = new Promise((resolve) => client.once("connect", () => resolve()));
    client.on("connect", (connack) => {
      (client.stream as Partial<Socket>).setNoDelay?.(true);
      const wasReconnect = this.stats.connects > 0;
      this.stats.connects++;
      if (wasReconnect) this.stats.reconnects++;
      this.opts.log.info(
        { url: redact(c.url), sessionPresent: connack.sessionPresent, attempts: this.attempt },
        wasReconnect ? "MQTT reconnected" : "MQTT connected",
      );
      this.attempt = 0;
      this._state = "connected";
      client.options.reconnectPeriod = c.reconnect.minMs;
      // A broker without our session has forgotten our subscriptions: make them again.
      if (!connack.sessionPresent) this.sendSubscriptions(this.subs);
      client.publish(this.opts.statusTopic, this.opts.statusPayload(), { qos: 1, retain: true });
    });
    client.on("message", (topic, payload) => this.handler(topic, payload));
    client.on("close", () => {
      if (this._state === "stopped") return;
      if (this._state === "connected") {
        this.opts.log.warn({ url: redact(c.url), err: this.lastError || undefined }, "MQTT disconnected");
      }
      this._state = "disconnected";
      this.attempt++;
      client.options.reconnectPeriod = nextBackoffMs(this.attempt, c.reconnect, this.opts.random ?? Math.random);
    });
    client.on("error", (err) => {
      const msg = err.message;
      if (msg !== this.lastError) {
        this.opts.log.warn({ url: redact(c.url), err: msg }, "MQTT error");
        this.lastError = msg;
      }
    });
    return this.connectedOnce;
  }

  /** Waits for the first connection, at most `timeoutMs`; true when connected. */
  async whenConnected(timeoutMs: number): Promise<boolean> {
    if (this.connectedOnce === null) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const ok = await Promise.race([this.connectedOnce.then(() => true), timeout]);
    clearTimeout(timer);
    return ok;
  }

  /** Publishes if connected (QoS 0 telemetry is dropped while disconnected; QoS 1 is queued by mqtt.js). */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 0, retain = false): void {
    const client = this.client;
    if (client === null) return;
    if (qos === 0 && !client.connected) return;
    client.publish(topic, payload, { qos, retain });
  }

  /** Publishes `offline` (retained), then disconnects cleanly, within `timeoutMs`. */
  async stop(timeoutMs = 2000): Promise<void> {
    const client = this.client;
    if (client === null) return;
    const wasConnected = client.connected;
    this._state = "stopped";
    client.options.reconnectPeriod = 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.end(true, () => resolve());
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        client.end(false, () => resolve());
      };
      if (wasConnected) {
        client.publish(this.opts.statusTopic, JSON.stringify({ state: "offline" }), { qos: 1, retain: true }, finish);
      } else finish();
    });
    this.client = null;
  }

  private sendSubscriptions(subs: readonly Subscription[]): void {
    const client = this.client;
    if (client === null || subs.length === 0) return;
    client.subscribe(
      subs.map((s) => s.topic),
      { qos: subs.reduce<0 | 1>((q, s) => (s.qos > q ? s.qos : q), 0) },
      (err, granted) => {
        const denied = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
        if (err || denied.length > 0) {
          this.stats.subscribeErrors++;
          this.opts.log.error({ err: err?.message, denied }, "MQTT subscription refused by the broker (check its ACL)");
        } else {
          this.opts.log.info({ topics: subs.map((s) => s.topic) }, "MQTT subscribed");
        }
      },
    );
  }

  private clientOptions(): IClientOptions {
    const c = this.opts.config;
    const secure = /^(mqtts|wss|ssl|tls):/.test(c.url);
    const options: IClientOptions = {
      clientId: this.opts.clientId,
      clean: false,
      protocolVersion: c.protocolVersion,
      keepalive: c.keepaliveS,
      reconnectPeriod: c.reconnect.minMs,
      connectTimeout: 10_000,
      resubscribe: false,
      will: {
        topic: this.opts.statusTopic,
        payload: Buffer.from(JSON.stringify({ state: "offline" })),
        qos: 1,
        retain: true,
      },
    };
    if (c.protocolVersion === 5) options.properties = { sessionExpiryInterval: c.sessionExpiryS };
    if (c.username !== undefined) options.username = c.username;
    if (c.password !== undefined) {
      if (!secure && !c.allowInsecureCredentials) {
        throw new MqttConnectionError(
          "EA_MQTT_INSECURE_CREDENTIALS",
          `refusing to send a password over ${c.url} without TLS (use mqtts:// or set mqtt.allowInsecureCredentials: true)`,
        );
      }
      options.password = resolveSecret(c.password, this.opts.baseDir);
    }
    if (c.tls !== undefined) {
      const read = (f: string | undefined) => {
        if (f === undefined) return undefined;
        try {
          return readFileSync(resolvePath(this.opts.baseDir, f));
        } catch (err) {
          throw new MqttConnectionError("EA_MQTT_TLS_FILE", `cannot read TLS file ${f}: ${(err as Error).message}`);
        }
      };
      const ca = read(c.tls.caFile);
      const cert = read(c.tls.certFile);
      const key = read(c.tls.keyFile);
      if (ca) options.ca = ca;
      if (cert) options.cert = cert;
      if (key) options.key = key;
      options.rejectUnauthorized = c.tls.rejectUnauthorized;
      if (c.tls.servername) options.servername = c.tls.servername;
    }
    return options;
  }
}

function resolvePath(base: string, f: string): string {
  return f.startsWith("/") ? f : `${base}/${f}`;
}

/** A broker URL without any user:password part, for logs. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
