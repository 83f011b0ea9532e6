import { z } from "zod";

/**
 * Fleet `influx:` and `store:` sections. Owned by the sinks stage.
 *
 * `influx:` writes features, predictions, advice changes and the agent's own metrics to InfluxDB
 * 2/3 (or any database that takes the InfluxDB v2 write API: VictoriaMetrics, QuestDB, InfluxDB
 * 1.8 with `bucket: db/rp`), in millisecond precision, and keeps what it cannot write in a durable
 * spool. `store:` is the local SQLite history used when no `influx:` section is given.
 */

// The same shapes as fleet-schema's secretSchema and tlsSchema: declared here because
// fleet-schema imports this file (importing them back would be a cycle).
const secretRef = z.union([
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ file: z.string().min(1) }),
]);

const influxTls = z.strictObject({
  caFile: z.string().optional(),
  /** Only for test benches: accept any server certificate. */
  rejectUnauthorized: z.boolean().default(true),
});

export const influxSchema = z.strictObject({
  /** Base URL of the server, e.g. `https://influx.plant.local:8086` (no `/api/v2`). */
  url: z
    .string()
    .regex(/^https?:\/\/[^/\s]+/, "expected an http:// or https:// URL")
    .refine((u) => !/\/api\/v2\/?$/.test(u), "give the base URL, without /api/v2"),
  /** Organisation (InfluxDB 2). InfluxDB 3 and most compatible databases ignore it. */
  org: z.string().default(""),
  /** Bucket (InfluxDB 2), database (InfluxDB 3), `db/rp` (InfluxDB 1.8). */
  bucket: z.string().min(1),
  /** API token from the environment or a file; leave out for servers without authentication. */
  token: secretRef.optional(),
  tls: influxTls.optional(),
  /** A write that has not answered in this long counts as failed (its batch is spooled). */
  timeoutMs: z.number().int().positive().default(10_000),
  /** A batch is sent when it holds this many points… */
  batchPoints: z.number().int().positive().max(100_000).default(5_000),
  /** …or this many bytes of line protocol… */
  batchBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** …or when its oldest point is this old. */
  flushIntervalMs: z.number().int().positive().default(1_000),
  /** Request bodies larger than this are gzipped (0: always; -1: never). */
  gzipThresholdBytes: z.number().int().min(-1).default(4_096),
  /** Durable spool for what could not be written; relative to the fleet file. */
  spoolPath: z.string().min(1).default("./state/spool.db"),
  /** Bound on the spool's compressed batches; when full the oldest telemetry is dropped (never advice). */
  spoolMaxMB: z.number().positive().default(512),
  /** Pace of replaying the spool once the server is back, in points per second (live data goes first). */
  replayPointsPerS: z.number().int().positive().default(5_000),
  /** Retry after a failed write: starts at minMs, doubles up to maxMs, ± jitter. */
  retry: z
    .strictObject({
      minMs: z.number().int().positive().default(1_000),
      maxMs: z.number().int().positive().default(60_000),
      jitter: z.number().min(0).max(1).default(0.2),
    })
    .prefault({}),
  /** How often the agent's own metrics are written (measurement `edge_agent`); 0: never. */
  metricsIntervalS: z.number().nonnegative().default(60),
});
export type InfluxConfig = z.infer<typeof influxSchema>;

export const storeSchema = z.strictObject({
  /** Default: on when there is no `influx:` section. `true` keeps a local history beside InfluxDB. */
  enabled: z.boolean().optional(),
  /** SQLite file, relative to the fleet file. */
  path: z.string().min(1).default("./state/history.db"),
  /** Rows older than this are deleted (features, predictions and advice). */
  retentionDays: z.number().positive().default(7),
  /** At most this many feature rows and this many prediction rows; the oldest go first. Advice is kept. */
  maxRows: z.number().int().positive().default(2_000_000),
  /** Rows are written in one transaction this often. */
  flushIntervalMs: z.number().int().positive().default(1_000),
});
export type StoreConfig = z.infer<typeof storeSchema>;

export const fleetSinksSchema = {
  influx: influxSchema.optional(),
  store: storeSchema.optional(),
};
