import { z } from "zod";
import { SEVERITIES } from "../types.js";

/**
 * Closing the loop, profile side: when the machine counts as running (`running:`), the data
 * quality checks and drift detection (`quality:`), a learned anomaly baseline (`baseline:`) and
 * raw capture around advice changes (`capture:`). Fleet side: the feedback store, the capture
 * folder and scheduled maintenance windows. Every section is optional: without it nothing runs.
 */

const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '_', '.' or '-'");
const count = z.number().int().positive();

/** The machine runs while a statistic of one channel of the window is above a threshold. */
export const runningSchema = z
  .strictObject({
    /** A channel of the profile, e.g. `current`, `rpm`, or the vibration channel itself. */
    channel: name,
    statistic: z.enum(["mean", "rms", "max", "min", "std"]).default("mean"),
    /** Running when the statistic is above this. */
    above: z.number().finite(),
    /** Hysteresis: once running, stopped only when the statistic falls to this or below (default `above`). */
    stopBelow: z.number().finite().optional(),
  })
  .refine((r) => r.stopBelow === undefined || r.stopBelow <= r.above, {
    message: "stopBelow must not exceed above",
    path: ["stopBelow"],
  });
export type RunningConfig = z.infer<typeof runningSchema>;

const check = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject({ enabled: z.boolean().default(true), ...shape });

export const qualitySchema = z.strictObject({
  /** A channel whose samples are all within `tolerance` of each other for `windows` windows in a row. */
  flatline: check({ windows: count.default(3), tolerance: z.number().nonnegative().default(0) }).prefault({}),
  /**
   * Samples at the channel's `min`/`max` (profile) or, without them, a run of repeated extreme
   * values (block and sliding windows only): more than `fraction` of a window, `windows` in a row.
   */
  clipping: check({
    fraction: z.number().min(0).max(1).default(0.001),
    windows: count.default(2),
    /** A run this long of the window's exact extreme value counts as clipped (no min/max given). */
    run: z.number().int().min(2).default(3),
  }).prefault({}),
  /**
   * Block/sliding: the time between consecutive windows differs from the expected one by more
   * than `tolerance` (relative). Time windows: a channel's readings per second differ from its
   * `sampleRateHz` by more than that. `windows` in a row raise it.
   */
  jitter: check({ tolerance: z.number().positive().default(0.05), windows: count.default(5) }).prefault({}),
  /** No window for longer than `afterMs` (default: 5 window periods, at least 10 s). */
  missing: check({ afterMs: z.number().positive().optional() }).prefault({}),
  /** Population stability index of each model feature over the last `windows` against the manifest's training bins. */
  drift: check({
    windows: count.min(20).default(300),
    everyWindows: count.default(50),
    raisePsi: z.number().positive().default(0.25),
    clearPsi: z.number().nonnegative().default(0.15),
    /** Evaluations in a row above raisePsi (below clearPsi) to raise (clear). */
    evaluations: count.default(2),
  }).prefault({}),
  /** Good windows in a row that clear a raised channel condition. */
  clearAfter: count.default(3),
  severity: z.enum(SEVERITIES).default("info"),
});
export type QualityConfig = z.infer<typeof qualitySchema>;

export const baselineSchema = z.strictObject({
  /** `beside` the classifier (own advice on `<asset>/advice/baseline`), or `replace` its advice. */
  mode: z.enum(["beside", "replace"]).default("beside"),
  /** Feature specs to learn (registry names); default: the model's features. */
  features: z.array(z.string().min(1)).min(1).optional(),
  /** Running windows to learn from before scoring. */
  learnWindows: count.min(10).default(400),
  /** Robust |z| (median/MAD) at which a window is as likely anomalous as not. */
  threshold: z.number().positive().default(6),
  /** Width of the logistic step around the threshold, in |z| units. */
  softness: z.number().positive().default(1),
  /** How the per-feature |z| are combined: the largest, or the root mean square. */
  combine: z.enum(["max", "rms"]).default("max"),
  /** Advice for `anomaly` (the debounce and timing of the profile's `advice:` apply). */
  severity: z.enum(SEVERITIES).default("warning"),
  action: z.string().default("Behaviour differs from the learned baseline: inspect the machine."),
});
export type BaselineConfig = z.infer<typeof baselineSchema>;

export const captureSchema = z.strictObject({
  /** Raw windows kept from before an advice change… */
  before: z.number().int().nonnegative().max(256).default(8),
  /** …and collected after it, saved together. */
  after: z.number().int().nonnegative().max(256).default(8),
});
export type CaptureConfig = z.infer<typeof captureSchema>;

/** Spread into the profile's strictObject: `...profileQualitySchema`. */
export const profileQualitySchema = {
  running: runningSchema.optional(),
  quality: qualitySchema.optional(),
  baseline: baselineSchema.optional(),
  capture: captureSchema.optional(),
};

const instant = z.union([z.number().finite(), z.iso.datetime({ offset: true })]);

export const maintenanceWindowSchema = z.strictObject({
  /** `site/asset` keys; `site/*` for a whole site. */
  assets: z
    .array(z.string().regex(/^[A-Za-z0-9_.-]+\/([A-Za-z0-9_.-]+|\*)$/, "use site/asset or site/*"))
    .min(1),
  /** ms since the epoch or an ISO 8601 time with offset. */
  from: instant,
  until: instant,
  note: z.string().default(""),
});
export type MaintenanceWindowConfig = z.infer<typeof maintenanceWindowSchema>;

export const feedbackSchema = z.strictObject({
  /** SQLite file of advice episodes, their evidence and technicians' verdicts; relative to the fleet file. */
  path: z.string().min(1).default("./state/feedback.db"),
  /** Feature vectors kept per episode (the windows that voted for it). */
  evidenceWindows: z.number().int().positive().max(256).default(16),
});

export const fleetCaptureSchema = z.strictObject({
  /** Folder for raw windows saved around advice changes; relative to the fleet file. */
  dir: z.string().min(1).default("./state/capture"),
  /** Bound on the folder; the oldest captures are deleted first. */
  maxMB: z.number().positive().default(256),
});

/** Spread into the fleet's strictObject: `...fleetQualitySchema`. */
export const fleetQualitySchema = {
  feedback: feedbackSchema.prefault({}),
  capture: fleetCaptureSchema.prefault({}),
  maintenance: z.array(maintenanceWindowSchema).default([]),
};

const fleetQualityObject = z.object(fleetQualitySchema);
export type FleetQuality = z.infer<typeof fleetQualityObject>;

/**
 * The fleet's loop settings with defaults filled in, read from a parsed fleet whether or not the
 * fleet schema has taken `fleetQualitySchema` in yet (absent sections take their defaults).
 */
export function fleetQualityOf(fleet: object): FleetQuality {
  const f = fleet as Record<string, unknown>;
  return fleetQualityObject.parse({ feedback: f.feedback, capture: f.capture, maintenance: f.maintenance });
}

/** A maintenance instant in ms since the epoch. */
export function instantMs(v: number | string): number {
  return typeof v === "number" ? v : Date.parse(v);
}

/** The parts of a profile the checks below read. */
interface ProfileLike {
  readonly channels: Readonly<Record<string, unknown>>;
  readonly codec: { readonly channel?: string | undefined } | object;
  readonly windowing: { readonly type: string };
  readonly running?: RunningConfig | undefined;
  readonly quality?: QualityConfig | undefined;
  readonly baseline?: BaselineConfig | undefined;
}

/**
 * Cross-field checks of the loop's profile sections, for the profile schema's superRefine:
 * the running channel must exist (and, for block and sliding windows, be the channel they are
 * cut on: those windows carry no other), baseline features may only name the profile's
 * channels, and drift's clearing PSI must not exceed its raising one.
 */
export function checkProfileQuality(p: ProfileLike, ctx: z.RefinementCtx): void {
  const channels = Object.keys(p.channels);
  const primary = ("channel" in p.codec ? p.codec.channel : undefined) ?? channels[0];
  const r = p.running;
  if (r !== undefined) {
    if (!channels.includes(r.channel)) {
      ctx.addIssue({
        code: "custom",
        path: ["running", "channel"],
        message: `unknown channel "${r.channel}"`,
      });
    } else if (p.windowing.type !== "time" && r.channel !== primary) {
      ctx.addIssue({
        code: "custom",
        path: ["running", "channel"],
        message: `${p.windowing.type} windows carry only "${primary}": the running rule must read it`,
      });
    }
  }
  p.baseline?.features?.forEach((spec, i) => {
    // `name@a` or, for two-channel features, `name@a:b`.
    for (const ch of spec.split("@")[1]?.split(":") ?? []) {
      if (!channels.includes(ch)) {
        ctx.addIssue({
          code: "custom",
          path: ["baseline", "features", i],
          message: `unknown channel "${ch}"`,
        });
      }
    }
  });
  const d = p.quality?.drift;
  if (d !== undefined && d.clearPsi > d.raisePsi) {
    ctx.addIssue({
      code: "custom",
      path: ["quality", "drift", "clearPsi"],
      message: "clearPsi must not exceed raisePsi",
    });
  }
}
