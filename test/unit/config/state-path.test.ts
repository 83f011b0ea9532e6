import { describe, expect, it } from "vitest";
import { resolveStatePath } from "../../../src/config/state-path.js";

describe("resolveStatePath", () => {
  it.each([
    [
      "an absolute path stays as it is",
      "/data/outbox.db",
      { STATE_DIRECTORY: "/var/lib/edge-agent" },
      "/data/outbox.db",
    ],
    [
      "a relative path goes under systemd's state directory",
      "./state/outbox.db",
      { STATE_DIRECTORY: "/var/lib/edge-agent" },
      "/var/lib/edge-agent/state/outbox.db",
    ],
    [
      "the first of several state directories is used",
      "x.db",
      { STATE_DIRECTORY: "/var/lib/a:/var/lib/b" },
      "/var/lib/a/x.db",
    ],
    [
      "without one, a relative path is beside the fleet file",
      "./state/outbox.db",
      {},
      "/etc/edge-agent/state/outbox.db",
    ],
  ])("%s", (_name, p, env, want) => {
    expect(resolveStatePath("/etc/edge-agent/fleet.yaml", p, env)).toBe(want);
  });
});
