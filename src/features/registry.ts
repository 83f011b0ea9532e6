import type { FeatureParams } from "../config/profile-schema.js";
import { derivedFamily } from "./derived.js";
import { envelopeFamily } from "./envelope.js";
import type { FeatureErrorCode } from "./feature-error.js";
import type { FeatureFamily, Resolution } from "./feature-family.js";
import { scalarFamily } from "./scalar.js";
import { spectralFamily } from "./spectral.js";
import { timeFamily } from "./time.js";

/**
 * The one registry of named features, shared by the agent and the training scripts. A spec is
 * `name` or `name@channel`; without a channel the feature reads the primary channel. Features of
 * two channels (the derived family) name both: `name@a:b`.
 */
const FAMILIES: readonly FeatureFamily[] = [
  timeFamily,
  spectralFamily,
  envelopeFamily,
  scalarFamily,
  derivedFamily,
];

/** Every feature name, for docs and `edge-agent validate`; `<order>` is a key of params.defectOrders. */
export function knownFeatureNames(): string[] {
  return FAMILIES.flatMap((f) => [...f.names]);
}

export interface ParsedSpec {
  readonly spec: string;
  readonly name: string;
  /** The (first) channel after `@`, or null for the primary channel. */
  readonly channel: string | null;
  /** Every channel after `@` (`a:b` names two), in order; empty for the primary channel. */
  readonly channels: readonly string[];
}

export interface ResolvedSpec extends ParsedSpec {
  readonly resolution: Extract<Resolution, { ok: true }>;
}

export interface SpecProblem {
  readonly spec: string;
  readonly code: Extract<FeatureErrorCode, "EA_FEATURE_UNKNOWN" | "EA_FEATURE_PARAMS">;
  readonly message: string;
}

/** Split `name@channel` (or `name@a:b`); a string is the reason the spec is malformed. */
export function parseFeatureSpec(spec: string): ParsedSpec | string {
  const parts = spec.split("@");
  const name = parts[0] ?? "";
  if (parts.length > 2 || name === "" || parts[1] === "") {
    return `"${spec}": a feature spec is "name" or "name@channel"`;
  }
  const channels = parts[1] === undefined ? [] : parts[1].split(":");
  if (channels.includes("")) {
    return `"${spec}": a two-channel feature spec is "name@channel:channel"`;
  }
  return { spec, name, channel: channels[0] ?? null, channels };
}

/** The problem with the number of channels a spec names, or null. */
function operandProblem(parsed: ParsedSpec, operands: number): string | null {
  const given = Math.max(1, parsed.channels.length);
  if (given === operands) return null;
  if (operands === 1)
    return `"${parsed.spec}": ${parsed.name} reads one channel (write ${parsed.name}@channel)`;
  const example = Array.from({ length: operands }, (_, i) => String.fromCharCode(97 + i)).join(":");
  return `"${parsed.spec}": ${parsed.name} reads ${operands} channels (write ${parsed.name}@${example})`;
}

/**
 * Resolve every spec, collecting every problem (none thrown). `channels` (when given) are the
 * channels a spec may name; `sampleRateHz` (when given) lets bands be checked against Nyquist.
 */
export function resolveFeatureSpecs(
  specs: readonly string[],
  params: FeatureParams,
  channels: readonly string[] | null,
  sampleRateHz?: number,
): { resolved: ResolvedSpec[]; problems: SpecProblem[] } {
  const resolved: ResolvedSpec[] = [];
  const problems: SpecProblem[] = [];
  for (const spec of specs) {
    const parsed = parseFeatureSpec(spec);
    if (typeof parsed === "string") {
      problems.push({ spec, code: "EA_FEATURE_UNKNOWN", message: parsed });
      continue;
    }
    const unknown = channels === null ? [] : parsed.channels.filter((c) => !channels.includes(c));
    for (const channel of unknown) {
      problems.push({
        spec,
        code: "EA_FEATURE_PARAMS",
        message: `"${spec}": unknown channel "${channel}" (channels: ${channels?.join(", ")})`,
      });
    }
    let resolution: Resolution | undefined;
    for (const family of FAMILIES) {
      resolution = family.resolve(parsed.name, { params, sampleRateHz });
      if (resolution !== undefined) break;
    }
    if (resolution === undefined) {
      const where = parsed.channel === null ? "" : ` in "${spec}"`;
      problems.push({
        spec,
        code: "EA_FEATURE_UNKNOWN",
        message: `unknown feature "${parsed.name}"${where} (known: ${knownFeatureNames().join(", ")})`,
      });
    } else if (!resolution.ok) {
      problems.push({ spec, code: "EA_FEATURE_PARAMS", message: resolution.message });
    } else {
      const problem = operandProblem(parsed, resolution.operands ?? 1);
      if (problem === null) resolved.push({ ...parsed, resolution });
      else problems.push({ spec, code: "EA_FEATURE_PARAMS", message: problem });
    }
  }
  const rpm = params.rpmChannel;
  if (channels !== null && rpm !== undefined && !channels.includes(rpm)) {
    const user = resolved.find((r) => r.resolution.usesShaftSpeed);
    if (user !== undefined) {
      problems.push({
        spec: user.spec,
        code: "EA_FEATURE_PARAMS",
        message: `${user.name} reads params.rpmChannel "${rpm}", which is not a channel (channels: ${channels.join(", ")})`,
      });
    }
  }
  return { resolved, problems };
}

/**
 * Check feature specs against the parameters and the profile's channels without throwing: one
 * message per problem, [] when all are fine. Used by config validation.
 */
export function checkFeatureSpecs(
  specs: readonly string[],
  params: FeatureParams,
  channels: readonly string[],
  sampleRateHz?: number,
): string[] {
  return resolveFeatureSpecs(specs, params, channels, sampleRateHz).problems.map((p) => p.message);
}
