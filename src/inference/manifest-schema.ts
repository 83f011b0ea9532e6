import { z } from "zod";
import { featureParamsSchema } from "../config/profile-schema.js";

/**
 * `models/<name>/manifest.json`: what the model needs (features, window, sample rate), what it
 * gives (outputs, labels), the hash of model.onnx, and where it came from and how well it did.
 */

const metricsSchema = z.record(z.string(), z.unknown());

export const manifestSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  version: z.string().min(1),
  description: z.string().default(""),
  /** `classifier`: probabilities over `labels`; `regressor`: one value (e.g. remaining useful life). */
  task: z.enum(["classifier", "regressor"]),
  /** sha256 (hex) of model.onnx. The agent refuses the model when it does not match. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  input: z.strictObject({
    /** Name of the ONNX input, float32 [N, features.length]. */
    name: z.string().min(1),
    /** Feature specs in order, as understood by the feature registry (`name` or `name@channel`). */
    features: z.array(z.string().min(1)).min(1),
    /** Window the features were computed over at training. */
    windowSamples: z.number().int().positive().optional(),
    sampleRateHz: z.number().positive().optional(),
    /** Feature parameters used at training (defect orders, envelope band …); the profile may override shaft speed. */
    params: featureParamsSchema,
  }),
  output: z.strictObject({
    /** Name of the ONNX output holding probabilities [N, labels.length] or values [N, 1]. */
    name: z.string().min(1),
    /** Class labels in output order (classifiers). */
    labels: z.array(z.string().min(1)).default([]),
    /** Unit of a regressor's value, e.g. "cycles". */
    unit: z.string().optional(),
  }),
  /** Where the training data came from, how it was split, the seed, the command. */
  provenance: z.record(z.string(), z.unknown()).default({}),
  /** Figures measured at training, with the protocol they were measured under. */
  metrics: metricsSchema.default({}),
  /** Per-feature training statistics (e.g. quantile bins) for drift checks. */
  trainingStats: z.record(z.string(), z.unknown()).optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;
