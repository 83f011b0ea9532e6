import { z } from "zod";
import { SEVERITIES } from "../types.js";
import { profileActionsSchema } from "./actions-schema.js";
import { checkProfileQuality, profileQualitySchema } from "./quality-schema.js";
import { extraTransportSchemas, transportChannelIssues } from "./transport-schemas.js";

/**
 * Device profile: how a sensor talks, how to window it, which model to run and what each
 * predicted class means. One YAML file per sensor model in device-profiles/.
 */

const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '_', '.' or '-'");

export const channelSchema = z.strictObject({
  unit: z.string().default(""),
  /** Raw value × scale + offset, in that order (EdgeX's transform order). */
  scale: z.number().finite().default(1),
  offset: z.number().finite().default(0),
  /** Expected sample rate; a message that says otherwise is counted and discarded. */
  sampleRateHz: z.number().positive().optional(),
  /** Field name in a JSON scalar payload, if not the channel's name. */
  field: z.string().optional(),
  /** Physical range of the sensor, for range checks. */
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
});
export type ChannelConfig = z.infer<typeof channelSchema>;

const mqttTransport = z.strictObject({
  type: z.literal("mqtt"),
  /**
   * Topic pattern with placeholders `{prefix}`, `{site}` and `{asset}`; subscribed with `+`
   * in their place. MQTT wildcards are allowed elsewhere.
   */
  topic: z.string().min(1).default("{prefix}/{site}/{asset}/vibration"),
  qos: z.union([z.literal(0), z.literal(1)]).default(1),
});
export type MqttTransportConfig = z.infer<typeof mqttTransport>;

/** Transports are a discriminated union so that serial and modbus can be added beside mqtt. */
export const transportSchema = z.discriminatedUnion("type", [mqttTransport, ...extraTransportSchemas]);
export type TransportConfig = z.infer<typeof transportSchema>;

const maxPayloadBytes = z
  .number()
  .int()
  .positive()
  .max(16 * 1024 * 1024)
  .default(256 * 1024);
const tsUnit = z.enum(["ms", "s"]).default("ms");

const jsonBlockCodec = z.strictObject({
  type: z.literal("json-block"),
  maxPayloadBytes,
  /** Names of the fields of `{"ts", "fs", "samples": [...]}`. */
  fields: z
    .strictObject({
      ts: z.string().default("ts"),
      sampleRate: z.string().default("fs"),
      samples: z.string().default("samples"),
    })
    .default({ ts: "ts", sampleRate: "fs", samples: "samples" }),
  tsUnit,
  /** The channel the samples belong to; defaults to the profile's only channel. */
  channel: z.string().optional(),
  /** Exact sample count a message must have (wrong_length otherwise). */
  samplesPerMessage: z.number().int().positive().optional(),
});

const jsonScalarCodec = z.strictObject({
  type: z.literal("json-scalar"),
  maxPayloadBytes,
  fields: z.strictObject({ ts: z.string().default("ts") }).default({ ts: "ts" }),
  tsUnit,
});

const csvLineCodec = z.strictObject({
  type: z.literal("csv-line"),
  maxPayloadBytes,
  delimiter: z.string().length(1).default(","),
  /**
   * Column names in order. `ts` is the timestamp column; other names are channels. With
   * `mode: block`, the columns after the named ones are samples of `channel`.
   */
  columns: z.array(z.string().min(1)).min(1),
  mode: z.enum(["scalar", "block"]).default("scalar"),
  channel: z.string().optional(),
  tsUnit,
});

const binaryCodec = z.strictObject({
  type: z.literal("binary"),
  maxPayloadBytes,
  sampleFormat: z.enum(["float32le", "int16le"]).default("float32le"),
  /**
   * `none`: samples only, time = receive time; `ts-f64`: 8-byte little-endian float64 ms
   * timestamp first; `ts-f64-fs-f32`: then a float32 sample rate.
   */
  header: z.enum(["none", "ts-f64", "ts-f64-fs-f32"]).default("ts-f64"),
  channel: z.string().optional(),
  samplesPerMessage: z.number().int().positive().optional(),
});

export const codecSchema = z.discriminatedUnion("type", [
  jsonBlockCodec,
  jsonScalarCodec,
  csvLineCodec,
  binaryCodec,
]);
export type CodecConfig = z.infer<typeof codecSchema>;

export const windowingSchema = z.discriminatedUnion("type", [
  z.strictObject({
    /** A message is a window; shorter blocks accumulate to `samples`. */
    type: z.literal("block"),
    samples: z
      .number()
      .int()
      .positive()
      .max(1 << 20),
    /** A gap larger than this between consecutive blocks restarts the window (ms). */
    gapToleranceMs: z.number().nonnegative().default(50),
  }),
  z.strictObject({
    type: z.literal("sliding"),
    samples: z
      .number()
      .int()
      .positive()
      .max(1 << 20),
    hopSamples: z.number().int().positive(),
    gapToleranceMs: z.number().nonnegative().default(50),
  }),
  z.strictObject({
    /** Time windows of scalar readings (all scalar channels of the asset). */
    type: z.literal("time"),
    durationMs: z.number().positive(),
    /** Readings per window below which the window is dropped as too sparse. */
    minReadings: z.number().int().positive().default(2),
    /** A reading later than this after the previous one counts as a gap (ms). */
    gapToleranceMs: z.number().positive().optional(),
  }),
]);
export type WindowingConfig = z.infer<typeof windowingSchema>;

/** Parameters the feature functions may need (shaft speed for envelope orders, …). */
export const featureParamsSchema = z
  .strictObject({
    /** Shaft rotation frequency in Hz; or give `shaftRpm`, or an `rpmChannel`. */
    shaftHz: z.number().positive().optional(),
    shaftRpm: z.number().positive().optional(),
    rpmChannel: z.string().optional(),
    /** Bearing defect frequencies as multiples of shaft speed, e.g. `{bpfo: 3.5848}`. */
    defectOrders: z.record(z.string(), z.number().positive()).optional(),
    /** Band for the envelope (demodulation) in Hz. */
    envelopeBandHz: z.tuple([z.number().nonnegative(), z.number().positive()]).optional(),
  })
  .default({});
export type FeatureParams = z.infer<typeof featureParamsSchema>;

const debounceSchema = z.strictObject({
  /** A change needs k of the last n windows to agree. */
  k: z.number().int().positive(),
  n: z.number().int().positive(),
});

const adviceClassSchema = z.strictObject({
  severity: z.enum(SEVERITIES),
  action: z.string().default(""),
  debounce: debounceSchema.optional(),
  enterProbability: z.number().min(0).max(1).optional(),
  exitProbability: z.number().min(0).max(1).optional(),
});
export type AdviceClassConfig = z.infer<typeof adviceClassSchema>;

/** For regressors: map the output value to an advice class (first matching `below` wins). */
const thresholdSchema = z.strictObject({ below: z.number(), class: name });

export const adviceSchema = z.strictObject({
  normalClass: name.default("normal"),
  debounce: debounceSchema.default({ k: 3, n: 5 }),
  /** A window votes for a class when its probability is at least this. */
  enterProbability: z.number().min(0).max(1).default(0.6),
  /** The current class keeps its vote while its probability stays at least this (hysteresis). */
  exitProbability: z.number().min(0).max(1).default(0.4),
  /** An advice stays at least this long before it may change again. */
  minHoldMs: z.number().nonnegative().default(5_000),
  /** After a fault is cleared, the same fault is not raised again for this long. */
  cooldownMs: z.number().nonnegative().default(30_000),
  classes: z.record(name, adviceClassSchema),
  thresholds: z.array(thresholdSchema).optional(),
});
export type AdviceConfig = z.infer<typeof adviceSchema>;

export const modelRefSchema = z.strictObject({
  /** A folder under the fleet's `modelsDir`, or a path to a model folder. */
  name: z.string().min(1),
  /** Features the model needs, in order; must equal the manifest's list. Defaults to the manifest's. */
  features: z.array(z.string().min(1)).optional(),
  params: featureParamsSchema,
  /** Publish every window's prediction on `<prefix>/<site>/<asset>/prediction`. */
  predictions: z.boolean().default(false),
});
export type ModelRefConfig = z.infer<typeof modelRefSchema>;

export const profileSchema = z
  .strictObject({
    description: z.string().optional(),
    transport: transportSchema,
    codec: codecSchema,
    channels: z.record(name, channelSchema).refine((c) => Object.keys(c).length > 0, "at least one channel"),
    windowing: windowingSchema,
    model: modelRefSchema,
    advice: adviceSchema,
    actions: profileActionsSchema,
    ...profileQualitySchema,
  })
  .superRefine((p, ctx) => {
    const channelNames = Object.keys(p.channels);
    const codecChannel = "channel" in p.codec ? p.codec.channel : undefined;
    if (codecChannel !== undefined && !channelNames.includes(codecChannel)) {
      ctx.addIssue({
        code: "custom",
        path: ["codec", "channel"],
        message: `unknown channel "${codecChannel}"`,
      });
    }
    if (p.codec.type === "csv-line") {
      p.codec.columns.forEach((c, i) => {
        if (
          c !== "ts" &&
          !channelNames.includes(c) &&
          p.codec.type === "csv-line" &&
          p.codec.mode === "scalar"
        ) {
          ctx.addIssue({ code: "custom", path: ["codec", "columns", i], message: `unknown channel "${c}"` });
        }
      });
    }
    if (p.windowing.type === "sliding" && p.windowing.hopSamples > p.windowing.samples) {
      ctx.addIssue({
        code: "custom",
        path: ["windowing", "hopSamples"],
        message: "hopSamples must not exceed samples",
      });
    }
    if (!(p.advice.normalClass in p.advice.classes)) {
      ctx.addIssue({
        code: "custom",
        path: ["advice", "classes"],
        message: `the normal class "${p.advice.normalClass}" needs an entry`,
      });
    }
    if (p.advice.debounce.k > p.advice.debounce.n) {
      ctx.addIssue({ code: "custom", path: ["advice", "debounce", "k"], message: "k must not exceed n" });
    }
    if (p.advice.exitProbability > p.advice.enterProbability) {
      ctx.addIssue({
        code: "custom",
        path: ["advice", "exitProbability"],
        message: "exitProbability must not exceed enterProbability",
      });
    }
    for (const i of transportChannelIssues(p.transport, channelNames)) {
      ctx.addIssue({ code: "custom", path: i.path, message: i.message });
    }
    checkProfileQuality(p, ctx);
    const rpm = p.model.params.rpmChannel;
    if (rpm !== undefined && !channelNames.includes(rpm)) {
      ctx.addIssue({
        code: "custom",
        path: ["model", "params", "rpmChannel"],
        message: `unknown channel "${rpm}"`,
      });
    }
  });

export type ProfileInput = z.input<typeof profileSchema>;
export type Profile = z.infer<typeof profileSchema>;

/** The channel a block or sliding window is cut on: the codec's channel or the profile's first. */
export function primaryChannel(p: Profile): string {
  const c = "channel" in p.codec ? p.codec.channel : undefined;
  return c ?? Object.keys(p.channels)[0]!;
}
