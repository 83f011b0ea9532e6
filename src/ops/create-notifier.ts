import type { Logger } from "pino";
import { CommandNotifier, loadUnixDgramNotifier, onPath } from "./notify-backends.js";
import { NULL_NOTIFIER, type Notifier, parseNotifySocket } from "./sd-notify.js";

export type NotifyVia = "auto" | "unix-dgram" | "systemd-notify" | "socat";

/**
 * The notifier for this process: a no-op without `$NOTIFY_SOCKET`, else the first backend that is
 * there — unix-dgram, systemd-notify, socat — or the one `$EDGE_AGENT_NOTIFY_VIA` names.
 */
export async function createNotifier(env: NodeJS.ProcessEnv, log: Logger): Promise<Notifier> {
  const raw = env.NOTIFY_SOCKET;
  const address = parseNotifySocket(raw);
  if (address === null) {
    if (raw)
      log.warn(
        { notifySocket: raw },
        "NOTIFY_SOCKET is of a kind the agent cannot reach: systemd will not hear from it",
      );
    return NULL_NOTIFIER;
  }
  const want = (env.EDGE_AGENT_NOTIFY_VIA ?? "auto") as NotifyVia;
  if (want === "auto" || want === "unix-dgram") {
    const n = await loadUnixDgramNotifier(address, log);
    if (n !== null) return n;
    if (want === "unix-dgram")
      log.error({}, "EDGE_AGENT_NOTIFY_VIA=unix-dgram but the unix-dgram package cannot be loaded");
  }
  for (const tool of ["systemd-notify", "socat"] as const) {
    if ((want === "auto" || want === tool) && onPath(tool, env)) {
      if (want === "auto") {
        log.info(
          { via: tool },
          "systemd notifications are sent by a helper process: the unit needs NotifyAccess=all (install unix-dgram for NotifyAccess=main)",
        );
      }
      return new CommandNotifier(tool, address, log);
    }
  }
  log.error(
    { notifySocket: raw },
    "cannot send systemd notifications: no unix-dgram, systemd-notify or socat",
  );
  return NULL_NOTIFIER;
}
