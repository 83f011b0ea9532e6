import { existsSync, readFileSync } from "node:fs";
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
  readonly code: "EA_MQTT_INSECURE_CREDENTIALS" | "EA_MQTT_TLS_FILE" | "EA_MQTT_TLS_URL";
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
  private _lastError = "";
  private connectedOnce: Promise<void> | null = null;
  /** Set by holdInput(): messages are neither handled nor acknowledged (the broker keeps them). */
  private holding = false;
  /** `attempts`: connection attempts, the first one included (the watchdog's sign of a live reconnect loop). */
  readonly stats = { connects: 0, reconnects: 0, attempts: 0, subscribeErrors: 0 };

  constructor(opts: MqttConnectionOptions) {
    this.opts = opts;
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** The broker URL (may hold `user:password@`: log it through redact()). */
  get url(): string {
    return this.opts.config.url;
  }

  /** The last error the client reported ("" when none since the last connect). */
  get lastError(): string {
    return this._lastError;
  }

  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }

  private readonly extraHandlers: MessageHandler[] = [];

  /** Adds a handler called after the main one for every message (the actions stage's confirmations). */
  addMessageHandler(handler: MessageHandler): () => void {
    this.extraHandlers.push(handler);
    return () => {
      const i = this.extraHandlers.indexOf(handler);
      if (i >= 0) this.extraHandlers.splice(i, 1);
    };
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
    this.stats.attempts++;
    client.on("reconnect", () => {
      this.stats.attempts++;
    });
    // While input is held, a message is not acknowledged: mqtt.js acks once this calls back.
    client.handleMessage = (_packet, callback) => {
      if (!this.holding) callback();
    };
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
      this._lastError = "";
      this._state = "connected";
      client.options.reconnectPeriod = c.reconnect.minMs;
      // A broker without our session has forgotten our subscriptions: make them again.
      if (!connack.sessionPresent) this.sendSubscriptions(this.subs);
      client.publish(this.opts.statusTopic, this.opts.statusPayload(), { qos: 1, retain: true });
    });
    client.on("message", (topic, payload) => {
      if (!this.holding) this.handler(topic, payload);
      for (const h of this.extraHandlers) h(topic, payload);
    });
    client.on("close", () => {
      if (this._state === "stopped") return;
      if (this._state === "connected") {
        this.opts.log.warn({ url: redact(c.url), err: this._lastError || undefined }, "MQTT disconnected");
      }
      this._state = "disconnected";
      this.attempt++;
      client.options.reconnectPeriod = nextBackoffMs(
        this.attempt,
        c.reconnect,
        this.opts.random ?? Math.random,
      );
    });
    client.on("error", (err) => {
      const msg = err.message;
      if (msg !== this._lastError) {
        // Errors that retrying cannot fix (certificates, credentials) need a person: error level, with a hint.
        const hint = errorHint(err);
        if (hint !== null)
          this.opts.log.error({ url: redact(c.url), err: msg, code: errCode(err) }, `MQTT ${hint}`);
        else this.opts.log.warn({ url: redact(c.url), err: msg }, "MQTT error");
        this._lastError = msg;
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

  /**
   * Runs `fn` with the socket corked, so that everything it publishes leaves in one write
   * (a batch of predictions: one system call instead of one per window).
   */
  corked(fn: () => void): void {
    const stream = this.client?.stream as Partial<Socket> | undefined;
    if (stream?.cork === undefined || stream.uncork === undefined) {
      fn();
      return;
    }
    stream.cork();
    try {
      fn();
    } finally {
      stream.uncork();
    }
  }

  /** Publishes if connected (QoS 0 telemetry is dropped while disconnected; QoS 1 is queued by mqtt.js). */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 0, retain = false): void {
    const client = this.client;
    if (client === null) return;
    if (qos === 0 && !client.connected) return;
    client.publish(topic, payload, { qos, retain });
  }

  /**
   * Stops taking messages for a graceful stop: from now on a message is neither handled nor
   * acknowledged, so the broker keeps it (and those after it) in the persistent session for the
   * next start. Publishing goes on. Returns false when not connected.
   */
  holdInput(): boolean {
    this.holding = true;
    return this.client?.connected ?? false;
  }

  /** Publishes `offline` (retained), then disconnects cleanly, within `timeoutMs`. */
  async stop(timeoutMs = 2000): Promise<void> {
    const client = this.client;
    if (client === null) return;
    const wasConnected = client.connected;
    this._state = "stopped";
    client.options.reconnectPeriod = 0;
    if (this.holding && wasConnected) {
      await this.stopHolding(client, timeoutMs);
      this.client = null;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.end(true, () => resolve());
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        client.end(false, () => resolve());
      };
      if (wasConnected) {
        client.publish(
          this.opts.statusTopic,
          JSON.stringify({ state: "offline" }),
          { qos: 1, retain: true },
          finish,
        );
      } else finish();
    });
    this.client = null;
  }

  /** Drops subscriptions no longer needed (after a reload). */
  unsubscribe(topics: readonly string[]): void {
    const gone = topics.filter((t) => this.subs.some((s) => s.topic === t));
    if (gone.length === 0) return;
    for (const t of gone)
      this.subs.splice(
        this.subs.findIndex((s) => s.topic === t),
        1,
      );
    if (this.client?.connected) {
      this.client.unsubscribe(gone, (err) => {
        if (err) this.opts.log.warn({ topics: gone, err: err.message }, "MQTT unsubscribe failed");
        else this.opts.log.info({ topics: gone }, "MQTT unsubscribed");
      });
    }
  }

  /** Topic filters subscribed (or to be subscribed at the next connection). */
  get subscriptions(): readonly Subscription[] {
    return this.subs;
  }

  /**
   * Stop while input is held: the held message is never acknowledged, so the packet pump of
   * mqtt.js is stalled and a PUBACK for `offline` would never be read. Write `offline`, half-close
   * the socket (FIN after everything written), then drop the connection. The broker also
   * publishes the last will, which says the same.
   */
  private async stopHolding(client: MqttClient, timeoutMs: number): Promise<void> {
    client.publish(this.opts.statusTopic, JSON.stringify({ state: "offline" }), { qos: 1, retain: true });
    const stream = client.stream as Partial<Socket> & NodeJS.EventEmitter;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(timeoutMs, 2000));
      stream.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      // end() writes what is buffered, then FIN; the broker closes its side in turn.
      setImmediate(() => stream.end?.());
    });
    await new Promise<void>((resolve) => client.end(true, () => resolve()));
  }

  private sendSubscriptions(subs: readonly Subscription[]): void {
    const client = this.client;
    if (client === null || subs.length === 0) return;
    client.subscribe(
      subs.map((s) => s.topic),
      { qos: subs.reduce<0 | 1>((q, s) => Math.max(q, s.qos) as 0 | 1, 0) },
      (err, granted, packet) => {
        // A refusal is a SUBACK reason code ≥ 0x80: 0x80 in MQTT 3.1.1, 0x87 "Not authorized"
        // (or another ≥ 0x80) in MQTT 5. mqtt.js reports it as an error and leaves the codes in the packet.
        const codes = (packet as { granted?: number[] } | undefined)?.granted ?? [];
        const denied = subs.filter((_, i) => (codes[i] ?? 0) >= 0x80).map((s) => s.topic);
        for (const g of granted ?? []) if (g.qos >= 0x80 && !denied.includes(g.topic)) denied.push(g.topic);
        if (err || denied.length > 0) {
          this.stats.subscribeErrors++;
          this.opts.log.error(
            {
              err: err?.message,
              denied: denied.length > 0 ? denied : subs.map((s) => s.topic),
              reasonCodes: codes,
            },
            "MQTT subscription refused by the broker (check its ACL for this client's user)",
          );
        } else {
          this.opts.log.info({ topics: subs.map((s) => s.topic) }, "MQTT subscribed");
        }
      },
    );
  }

  private clientOptions(): IClientOptions {
    const c = this.opts.config;
    const secure = /^(mqtts|wss|ssl|tls):/.test(c.url);
    if (c.tls !== undefined && !secure) {
      throw new MqttConnectionError(
        "EA_MQTT_TLS_URL",
        `mqtt.tls is set but ${redact(c.url)} is not a TLS URL: use mqtts:// (or wss://), or remove mqtt.tls`,
      );
    }
    // A password inside the URL (mqtt://user:secret@host) is a password too, and it sits in the fleet file.
    if (/^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(c.url)) {
      if (!secure && !c.allowInsecureCredentials) {
        throw new MqttConnectionError(
          "EA_MQTT_INSECURE_CREDENTIALS",
          `refusing to send the password in ${redact(c.url)} without TLS (use mqtts:// or set mqtt.allowInsecureCredentials: true)`,
        );
      }
      this.opts.log.warn(
        { url: redact(c.url) },
        "the MQTT URL holds a password: prefer mqtt.password: { file: … } or { env: … }",
      );
    }
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
      // A relative name is looked up in systemd's $CREDENTIALS_DIRECTORY first (LoadCredential= for
      // a client key), then beside the fleet file.
      const creds = process.env.CREDENTIALS_DIRECTORY;
      const read = (f: string | undefined) => {
        if (f === undefined) return undefined;
        const inCreds = creds && !f.startsWith("/") ? `${creds}/${f}` : null;
        try {
          if (inCreds !== null && existsSync(inCreds)) return readFileSync(inCreds);
          return readFileSync(resolvePath(this.opts.baseDir, f));
        } catch (err) {
          throw new MqttConnectionError(
            "EA_MQTT_TLS_FILE",
            `cannot read TLS file ${f}: ${(err as Error).message}`,
          );
        }
      };
      const ca = read(c.tls.caFile);
      const cert = read(c.tls.certFile);
      const key = read(c.tls.keyFile);
      if (ca) options.ca = ca;
      if (cert) options.cert = cert;
      if (key) options.key = key;
      if ((cert === undefined) !== (key === undefined)) {
        throw new MqttConnectionError(
          "EA_MQTT_TLS_FILE",
          `a client certificate needs both mqtt.tls.certFile and mqtt.tls.keyFile (only ${cert ? "certFile" : "keyFile"} is set)`,
        );
      }
      options.rejectUnauthorized = c.tls.rejectUnauthorized;
      if (!c.tls.rejectUnauthorized) {
        this.opts.log.warn(
          { url: redact(c.url) },
          "TLS server certificate NOT verified (mqtt.tls.rejectUnauthorized: false): test benches only",
        );
      }
      if (c.tls.servername) options.servername = c.tls.servername;
    }
    return options;
  }
}

function errCode(err: Error): string | number | undefined {
  return (err as { code?: string | number }).code;
}

/** What to tell a person about an error retrying will not fix; null for the ones that may pass. */
export function errorHint(err: Error): string | null {
  const code = errCode(err);
  const text = typeof code === "string" ? code : "";
  // The broker's TLS alert about OUR certificate (TLS 1.3 sends it after the handshake).
  if (
    /ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED)/.test(
      text,
    ) ||
    /alert (bad certificate|certificate required|unknown ca|certificate unknown|certificate expired)/i.test(
      err.message,
    )
  ) {
    return "TLS: the broker refused our client certificate: check mqtt.tls.certFile/keyFile and the CA the broker trusts for clients";
  }
  // Our verification of THE BROKER's certificate.
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(text)) {
    return `TLS: the broker's certificate was not accepted (${text}): check mqtt.tls.caFile is the CA that signed it, and mqtt.tls.servername`;
  }
  // CONNACK refusals: 4/5 in MQTT 3.1.1, 0x86/0x87/0x8A in MQTT 5.
  if (code === 4 || code === 5 || code === 134 || code === 135 || code === 138) {
    return "broker refused the connection: bad user name or password, or not authorized (check mqtt.username and the password secret)";
  }
  return null;
}

function resolvePath(base: string, f: string): string {
  return f.startsWith("/") ? f : `${base}/${f}`;
}

/** A broker URL without any user:password part, for logs. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
