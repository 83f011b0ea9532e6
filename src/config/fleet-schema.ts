import { z } from "zod";
import { fleetActionsSchema } from "./actions-schema.js";
import { fleetOpsSchema } from "./ops-schema.js";
import { fleetSinksSchema } from "./sinks-schema.js";
import { fleetQualitySchema } from "./quality-schema.js";

/**
 * Fleet file: who the agent is, which broker it talks to, and which assets it watches with
 * which device profile. Secrets are never inline: they come from the environment or files.
 */

const id = z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '_', '.' or '-'");

/** A secret: from an environment variable or a file (systemd credentials, Docker secrets). */
export const secretSchema = z.union([
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ file: z.string().min(1) }),
]);
export type SecretRef = z.infer<typeof secretSchema>;

export const tlsSchema = z.strictObject({
  caFile: z.string().optional(),
  certFile: z.string().optional(),
  keyFile: z.string().optional(),
  /** Only for test benches: accept any server certificate. */
  rejectUnauthorized: z.boolean().default(true),
  servername: z.string().optional(),
});

export const mqttSchema = z.strictObject({
  /** `mqtt://host:1883`, `mqtts://host:8883`, `ws://…`. `${VAR}` / `${VAR:-default}` are expanded. */
  url: z.string().min(1),
  /** Stable client id: the broker keeps the session (and queues QoS 1 messages) under it. */
  clientId: id.optional(),
  username: z.string().optional(),
  password: secretSchema.optional(),
  tls: tlsSchema.optional(),
  /** Broker keeps the session this long after a disconnect (MQTT 5 session expiry). */
  sessionExpiryS: z
    .number()
    .int()
    .nonnegative()
    .default(24 * 3600),
  keepaliveS: z.number().int().positive().default(30),
  /** 5 (default) or 4 (MQTT 3.1.1, for brokers without MQTT 5: the session persists with clean=false). */
  protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
  /** Reconnect backoff: starts at minMs, doubles up to maxMs, with ±jitter. */
  reconnect: z
    .strictObject({
      minMs: z.number().int().positive().default(500),
      maxMs: z.number().int().positive().default(30_000),
      jitter: z.number().min(0).max(1).default(0.2),
    })
    .default({ minMs: 500, maxMs: 30_000, jitter: 0.2 }),
  /** Plain-text credentials over a connection without TLS are refused unless this is true. */
  allowInsecureCredentials: z.boolean().default(false),
});
export type MqttConfig = z.infer<typeof mqttSchema>;

export const assetSchema = z.strictObject({
  id,
  /** Name of a device profile (file name without .yaml in the profiles folder). */
  profile: id,
  description: z.string().optional(),
  /** Deep-merged over the profile for this asset only (e.g. a different shaft speed). */
  overrides: z.record(z.string(), z.unknown()).optional(),
  enabled: z.boolean().default(true),
});
export type AssetConfig = z.infer<typeof assetSchema>;

export const siteSchema = z.strictObject({
  id,
  description: z.string().optional(),
  assets: z.array(assetSchema).min(1),
});

export const fleetSchema = z
  .strictObject({
    agent: z.strictObject({
      id,
      description: z.string().optional(),
    }),
    mqtt: mqttSchema,
    /** First level of every topic: `<prefix>/<site>/<asset>/…`. */
    topicPrefix: z
      .string()
      .min(1)
      .regex(/^[^#+]+$/, "no MQTT wildcards in the prefix")
      .default("factory"),
    /** Folder of device profiles, relative to this file. Default: the profiles shipped with the agent. */
    profilesDir: z.string().optional(),
    /** Folder of model folders, relative to this file. Default: the models shipped with the agent. */
    modelsDir: z.string().optional(),
    inference: z
      .strictObject({
        maxBatch: z.number().int().positive().max(4096).default(64),
        maxWaitMs: z.number().nonnegative().max(1000).default(0),
        /** Windows waiting for inference per model; beyond it the oldest are shed (counted). */
        maxQueue: z.number().int().positive().default(4096),
      })
      .default({ maxBatch: 64, maxWaitMs: 0, maxQueue: 4096 }),
    log: z
      .strictObject({
        level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
        /** How often a repeating condition (discards per reason) is summarised in the log. */
        summaryIntervalS: z.number().positive().default(60),
      })
      .default({ level: "info", summaryIntervalS: 60 }),
    sites: z.array(siteSchema).min(1),
    ...fleetSinksSchema,
    ...fleetActionsSchema,
    ...fleetQualitySchema,
    ...fleetOpsSchema,
  })
  .superRefine((f, ctx) => {
    const seen = new Map<string, string>();
    f.sites.forEach((s, si) => {
      s.assets.forEach((a, ai) => {
        const key = `${s.id}/${a.id}`;
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["sites", si, "assets", ai, "id"],
            message: `duplicate asset "${key}" (first at ${first})`,
          });
        } else seen.set(key, `sites[${si}].assets[${ai}]`);
      });
    });
  });

export type FleetInput = z.input<typeof fleetSchema>;
export type Fleet = z.infer<typeof fleetSchema>;
