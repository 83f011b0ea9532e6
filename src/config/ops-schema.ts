import { z } from "zod";

/**
 * Fleet `ops:` section: the loopback HTTP endpoint for health and metrics, how the systemd
 * watchdog judges the pipeline alive, and hot reload. Owned by the ops stage.
 */

export const opsHttpSchema = z.strictObject({
  /** Keep it on loopback: the endpoint has no authentication. */
  host: z.string().min(1).default("127.0.0.1"),
  /** 0 picks a free port (tests); the log says which. */
  port: z.number().int().min(0).max(65535).default(9464),
});

export const opsSchema = z.strictObject({
  /** `/healthz` and `/metrics`; `false` turns the endpoint off. */
  http: z.union([opsHttpSchema, z.literal(false)]).default({ host: "127.0.0.1", port: 9464 }),
  /**
   * A model with windows waiting that has not finished a batch for this long is wedged: the
   * watchdog stops (systemd restarts the agent) and `/healthz` says 503.
   */
  inferenceStallMs: z.number().int().positive().default(10_000),
  /** Reload when the fleet file, a profile or a model folder changes (SIGHUP always reloads). */
  watch: z.boolean().default(true),
  /** Quiet time after the last file change before a reload starts. */
  watchDebounceMs: z.number().int().nonnegative().default(1000),
  /** Bound on a graceful stop (SIGTERM): keep it below the unit's TimeoutStopSec. */
  stopTimeoutMs: z.number().int().positive().default(10_000),
});
export type OpsConfig = z.infer<typeof opsSchema>;

export const OPS_DEFAULTS: OpsConfig = opsSchema.parse({});

export const fleetOpsSchema = {
  ops: opsSchema.default(OPS_DEFAULTS),
};
