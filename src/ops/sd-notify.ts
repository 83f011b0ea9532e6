/**
 * systemd's notify protocol (sd_notify(3)): one datagram of `KEY=VALUE` lines on the unix socket
 * named by `$NOTIFY_SOCKET` (a path, or `@name` for an abstract socket).
 *
 * Node has no AF_UNIX datagram socket, so the datagram is sent by one of:
 * - `unix-dgram` (a native addon, when installed): sent by the agent's own process, so it works
 *   with `NotifyAccess=main`;
 * - `systemd-notify` (on every systemd machine) or `socat`: sent by a child process, so the unit
 *   needs `NotifyAccess=all` (scripts/install writes that drop-in when unix-dgram is missing).
 *   systemd-notify waits for systemd to have read the message (its barrier), which closes the race
 *   of a sender that exits before systemd looked up its unit.
 * createNotifier (create-notifier.ts) picks the backend.
 */

export interface Notifier {
  /** Sends one message. Never throws; a failure is logged once by the backend. */
  notify(fields: Record<string, string>): void;
  /** How the message is sent (for the log), e.g. `unix-dgram`, `systemd-notify`, `none`. */
  readonly via: string;
  /** Resolves once queued messages were handed over, at most after `timeoutMs`. */
  flush?(timeoutMs: number): Promise<void>;
  close?(): void;
}

/** Does nothing: the agent was not started by systemd (no `$NOTIFY_SOCKET`). */
export const NULL_NOTIFIER: Notifier = { via: "none", notify: () => {} };

export type NotifyAddress = { readonly kind: "path" | "abstract"; readonly name: string };

/** `$NOTIFY_SOCKET` as an address; null when unset or of a kind we cannot reach (vsock:…). */
export function parseNotifySocket(value: string | undefined): NotifyAddress | null {
  if (value === undefined || value === "") return null;
  if (value.startsWith("@")) return value.length > 1 ? { kind: "abstract", name: value.slice(1) } : null;
  if (value.startsWith("/")) return { kind: "path", name: value };
  return null;
}

/** `KEY=VALUE` lines, each ending in a newline; a value's own newlines become spaces. */
export function formatNotifyMessage(fields: Record<string, string>): string {
  let out = "";
  for (const [k, v] of Object.entries(fields)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new RangeError(`not a notify field name: ${k}`);
    out += `${k}=${v.replace(/[\r\n]+/g, " ")}\n`;
  }
  return out;
}

/**
 * Half of `$WATCHDOG_USEC` in ms (sd_watchdog_enabled(3)): how often to send `WATCHDOG=1`.
 * Null when no watchdog is asked for, or when `$WATCHDOG_PID` names another process.
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== "" && Number(env.WATCHDOG_PID) !== pid)
    return null;
  return Math.max(1, Math.floor(usec / 2000));
}

/** The monotonic clock in µs, as systemd wants it in `MONOTONIC_USEC=` (Node's hrtime is CLOCK_MONOTONIC). */
export function monotonicUsec(): string {
  return (process.hrtime.bigint() / 1000n).toString();
}
