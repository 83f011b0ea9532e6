import { describe, expect, it } from "vitest";
import { formatNotifyMessage, parseNotifySocket, watchdogIntervalMs } from "../../../src/ops/sd-notify.js";

describe("sd_notify protocol helpers", () => {
  it.each([
    [undefined, null],
    ["", null],
    ["/run/systemd/notify", { kind: "path", name: "/run/systemd/notify" }],
    [
      "@/org/freedesktop/systemd1/notify/123",
      { kind: "abstract", name: "/org/freedesktop/systemd1/notify/123" },
    ],
    ["@", null],
    ["vsock:2:1234", null],
    ["relative/path", null],
  ])("NOTIFY_SOCKET=%j is read as %j", (value, expected) => {
    expect(parseNotifySocket(value)).toEqual(expected);
  });

  it("formats one KEY=VALUE line per field, each ending in a newline, newlines in values flattened", () => {
    expect(formatNotifyMessage({ READY: "1", STATUS: "3 assets\nmqtt connected" })).toBe(
      "READY=1\nSTATUS=3 assets mqtt connected\n",
    );
  });

  it("refuses a field name systemd would not read", () => {
    expect(() => formatNotifyMessage({ "bad name": "1" })).toThrow(/not a notify field name/);
  });

  it.each([
    [{}, null],
    [{ WATCHDOG_USEC: "30000000" }, 15_000],
    [{ WATCHDOG_USEC: "1000000", WATCHDOG_PID: "42" }, 500],
    [{ WATCHDOG_USEC: "1000000", WATCHDOG_PID: "43" }, null],
    [{ WATCHDOG_USEC: "0" }, null],
    [{ WATCHDOG_USEC: "soon" }, null],
  ] as const)(
    "with %j the watchdog ping interval is %s ms (half of WATCHDOG_USEC, for our pid only)",
    (env, ms) => {
      expect(watchdogIntervalMs(env, 42)).toBe(ms);
    },
  );
});
