import { relative } from "node:path";

/** One problem in a config file, with the file and the path inside it. */
export interface ConfigIssue {
  readonly file: string;
  /** Path inside the file, e.g. `sites[0].assets[2].profile` (empty for the whole file). */
  readonly path: string;
  readonly message: string;
}

export type ConfigErrorCode = "EA_CONFIG_INVALID" | "EA_PROFILE_INVALID";

/** A config that cannot be used, with every issue found (not just the first). */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly issues: readonly ConfigIssue[];
  constructor(code: ConfigErrorCode, issues: readonly ConfigIssue[]) {
    super(`${code}: ${issues.length} problem(s)\n${issues.map(formatIssue).join("\n")}`);
    this.name = "ConfigError";
    this.code = code;
    this.issues = issues;
  }
}

/** `path.to[0].field` from a zod or YAML path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** `fleet.yaml: sites[0].assets[2].profile: unknown profile "acme-vb9"` */
export function formatIssue(i: ConfigIssue): string {
  const file = relative(process.cwd(), i.file) || i.file;
  return i.path === "" ? `${file}: ${i.message}` : `${file}: ${i.path}: ${i.message}`;
}
