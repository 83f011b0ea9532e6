import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { SecretRef } from "./fleet-schema.js";

export class SecretError extends Error {
  readonly code = "EA_SECRET_MISSING";
}

/**
 * Reads a secret from the environment or a file. A relative file name is looked up in
 * systemd's $CREDENTIALS_DIRECTORY first (LoadCredential=), then next to the fleet file.
 */
export function resolveSecret(ref: SecretRef, baseDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if ("env" in ref) {
    const v = env[ref.env];
    if (v === undefined || v === "") throw new SecretError(`environment variable ${ref.env} is not set`);
    return v;
  }
  const candidates = isAbsolute(ref.file)
    ? [ref.file]
    : [
        ...(env.CREDENTIALS_DIRECTORY ? [join(env.CREDENTIALS_DIRECTORY, ref.file)] : []),
        join(baseDir, ref.file),
      ];
  for (const file of candidates) {
    try {
      return readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch {
      // try the next place
    }
  }
  throw new SecretError(`secret file ${ref.file} not found (looked in ${candidates.join(", ")})`);
}
