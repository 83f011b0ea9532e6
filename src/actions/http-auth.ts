import type { TicketTargetConfig } from "../config/actions-schema.js";
import { resolveSecret } from "../config/secrets.js";

type Auth = Extract<TicketTargetConfig, { auth: unknown }>["auth"];

/** Where a target reads its secrets: read at each request, so a fixed credential needs no restart. */
export interface SecretSource {
  /** Folder of the fleet file (relative secret files are looked up beside it). */
  readonly baseDir: string;
  readonly env: NodeJS.ProcessEnv;
}

/** The Authorization header of a basic or bearer auth config. Throws EA_SECRET_MISSING. */
export function authorization(auth: Auth, secrets: SecretSource): string {
  if (auth.type === "basic") {
    const password = resolveSecret(auth.password, secrets.baseDir, secrets.env);
    return `Basic ${Buffer.from(`${auth.username}:${password}`).toString("base64")}`;
  }
  return `Bearer ${resolveSecret(auth.token, secrets.baseDir, secrets.env)}`;
}
