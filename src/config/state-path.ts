import { dirname, isAbsolute, resolve } from "node:path";

/**
 * Where a state file (outbox, spool, local store, feedback store, captures) lives: an absolute
 * path as given; a relative one under systemd's `$STATE_DIRECTORY` (StateDirectory=, the only
 * place the hardened service may write) when it is set, else beside the fleet file.
 */
export function resolveStatePath(fleetFile: string, p: string, env: NodeJS.ProcessEnv = process.env): string {
  if (isAbsolute(p)) return p;
  const base = env.STATE_DIRECTORY?.split(":")[0];
  return resolve(base !== undefined && base !== "" ? base : dirname(fleetFile), p);
}
