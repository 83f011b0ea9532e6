import type { ChildProcess } from "node:child_process";

/** Stops a server the tests started: SIGTERM (it saves its state), SIGKILL after `killAfterMs`. */
export async function stopProcess(p: ChildProcess | null, killAfterMs: number): Promise<void> {
  if (p === null || p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    p.once("exit", () => resolve());
    p.kill("SIGTERM");
    setTimeout(() => p.kill("SIGKILL"), killAfterMs).unref();
  });
}
