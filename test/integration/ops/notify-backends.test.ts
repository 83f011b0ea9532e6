import { afterEach, describe, expect, it } from "vitest";
import { createNotifier } from "../../../src/ops/create-notifier.js";
import { createLogger } from "../../../src/ops/logger.js";
import { onPath } from "../../../src/ops/notify-backends.js";
import { waitFor } from "../../helpers/collect.js";
import { haveTool } from "../../helpers/required-tool.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { NotifyReceiver } from "./notify-receiver.js";

/** Each backend that needs no native addon, against a real unix datagram socket. */
describe.skipIf(!haveTool("python3"))("systemd notifications over a real unix datagram socket", () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const f of cleanup.splice(0)) f();
  });

  async function receiver(abstract: boolean): Promise<{ r: NotifyReceiver; socket: string }> {
    const dir = tempDir();
    const socket = abstract ? `@edge-agent-test-${process.pid}-${Date.now()}` : dir.path("notify");
    const r = await NotifyReceiver.start(socket);
    cleanup.push(() => {
      r.stop();
      dir.cleanup();
    });
    return { r, socket };
  }

  const backends = (["systemd-notify", "socat"] as const).filter(
    (b) => onPath(b) || process.env.CI === "true",
  );
  const cases = backends.flatMap((b) => [
    [b, "a path"],
    [b, "an abstract name"],
  ]);

  it.each(cases)("via %s, to %s, each message arrives as one datagram in order", async (via, where) => {
    const { r, socket } = await receiver(where === "an abstract name");
    const n = await createNotifier(
      { ...process.env, NOTIFY_SOCKET: socket, EDGE_AGENT_NOTIFY_VIA: via },
      createLogger({ level: "silent" }),
    );
    expect(n.via).toBe(via);
    n.notify({ READY: "1", STATUS: "3 assets, mqtt connected" });
    for (let i = 0; i < 3; i++) n.notify({ WATCHDOG: "1" });
    n.notify({ STOPPING: "1" });
    await n.flush?.(5000);
    await waitFor(() => r.messages.length === 5, 5000);
    expect(r.messages.map((m) => m.fields)).toEqual([
      { READY: "1", STATUS: "3 assets, mqtt connected" },
      { WATCHDOG: "1" },
      { WATCHDOG: "1" },
      { WATCHDOG: "1" },
      { STOPPING: "1" },
    ]);
  });

  it("without NOTIFY_SOCKET nothing is sent and nothing fails", async () => {
    const n = await createNotifier({ PATH: process.env.PATH }, createLogger({ level: "silent" }));
    expect(n.via).toBe("none");
    expect(() => n.notify({ READY: "1" })).not.toThrow();
  });
});
