import { formatPath } from "./config-issue.js";

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface ExpandProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Expands `${VAR}` and `${VAR:-default}` in every string of a parsed YAML tree, so that
 * one fleet file serves several machines (the benchmark takes its broker URL from MQTT_URL).
 * Returns a new tree; unset variables without a default are reported with their path.
 */
export function expandEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: ExpandProblem[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === "string") {
    return value.replace(PATTERN, (_m, name: string, def: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== "") return v;
      if (def !== undefined) return def;
      problems.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
      return "";
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, problems, [...path, i]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env, problems, [...path, k]);
    return out;
  }
  return value;
}
