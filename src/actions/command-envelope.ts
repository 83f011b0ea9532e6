import { type CommandConfig, paramValueProblem } from "../config/actions-schema.js";
import { ActionError } from "./action-error.js";
import type { AdviceSnapshot } from "./action-jobs.js";

/** What a command's template is filled with. */
export interface CommandValues {
  readonly id: string;
  readonly command: string;
  readonly advice: AdviceSnapshot;
  readonly params: Readonly<Record<string, number>>;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

/** Strings a template may receive: identifiers only, so a value can never change a payload's shape. */
const SAFE_TEXT = /^[A-Za-z0-9_.:-]*$/;

/**
 * Checks parameter values against the command's limits: every value named by the command,
 * none it does not name, each within min/max (and an integer where it says so). Throws
 * EA_COMMAND_LIMITS listing what is wrong.
 */
export function checkParams(
  name: string,
  cmd: CommandConfig,
  params: Readonly<Record<string, number>>,
): void {
  const problems: string[] = [];
  for (const [p, v] of Object.entries(params)) {
    const spec = cmd.params[p];
    if (spec === undefined) {
      problems.push(`"${p}" is not a parameter of "${name}"`);
      continue;
    }
    const bad = paramValueProblem(spec, v);
    if (bad !== null) problems.push(`${p}: ${bad}`);
  }
  for (const p of Object.keys(cmd.params)) if (params[p] === undefined) problems.push(`${p}: no value`);
  if (problems.length > 0)
    throw new ActionError("EA_COMMAND_LIMITS", `command "${name}": ${problems.join("; ")}`);
}

/** The payload (MQTT) or frame (serial) of a command, with its placeholders filled in. */
export function renderCommand(cmd: CommandConfig, v: CommandValues): Buffer {
  const t = cmd.transport;
  if (t.type === "serial" && t.encoding === "hex") return Buffer.from(t.frame.replace(/\s+/g, ""), "hex");
  const template = t.type === "mqtt" ? t.payload : t.frame;
  const a = v.advice;
  const builtins: Record<string, string | number> = {
    id: v.id,
    command: v.command,
    site: a.site,
    asset: a.asset,
    fault: a.fault,
    severity: a.severity,
    episodeId: a.episodeId,
    issuedAtMs: v.issuedAtMs,
    expiresAtMs: v.expiresAtMs,
  };
  const text = template.replace(/\{\{\s*([^}\s]+)\s*\}\}/g, (_m, key: string) => {
    const value = Object.hasOwn(v.params, key) ? v.params[key] : builtins[key];
    if (value === undefined)
      throw new ActionError("EA_COMMAND_LIMITS", `command "${v.command}": no value for {{${key}}}`);
    if (typeof value === "number") {
      if (!Number.isFinite(value))
        throw new ActionError("EA_COMMAND_LIMITS", `command "${v.command}": ${key} is ${value}`);
      return String(value);
    }
    if (!SAFE_TEXT.test(value)) {
      throw new ActionError(
        "EA_COMMAND_LIMITS",
        `command "${v.command}": ${key} "${value}" is not a plain identifier`,
      );
    }
    return value;
  });
  return Buffer.from(text, "utf8");
}

/**
 * Whether another send fits the command's rate limit, given how many sends of it to the same
 * asset happened in the last `perS` seconds.
 */
export function withinRateLimit(cmd: CommandConfig, sentInWindow: number): boolean {
  return cmd.rateLimit === undefined || sentInWindow < cmd.rateLimit.max;
}
