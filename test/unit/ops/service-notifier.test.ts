import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../../src/ops/logger.js";
import type { Liveness } from "../../../src/ops/liveness.js";
import type { Notifier } from "../../../src/ops/sd-notify.js";
import { ServiceNotifier } from "../../../src/ops/service-notifier.js";

const ALIVE: Liveness = { alive: true, reasons: [], stalledModels: [] };
const WEDGED: Liveness = {
  alive: false,
  reasons: ["model step: 3 window(s) waiting"],
  stalledModels: ["/m/step"],
};

function setup(watchdogMs: number | null) {
  const sent: Record<string, string>[] = [];
  const notifier: Notifier = { via: "test", notify: (f) => sent.push({ ...f }) };
  let live = ALIVE;
  let status = "1 assets, mqtt connected, 0 windows";
  const n = new ServiceNotifier({
    notifier,
    log: createLogger({ level: "silent" }),
    watchdogMs,
    liveness: () => live,
    status: () => (live.alive ? status : `${status}; NOT ALIVE: ${live.reasons.join("; ")}`),
  });
  return {
    n,
    sent,
    set: (l: Liveness) => {
      live = l;
    },
    setStatus: (s: string) => {
      status = s;
    },
  };
}

describe("the service notifier (READY, WATCHDOG, RELOADING, STOPPING, STATUS)", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends READY=1 with the status, then WATCHDOG=1 every interval, STATUS= only when it changed", () => {
    const { n, sent, setStatus } = setup(500);
    n.ready();
    expect(sent).toEqual([{ READY: "1", STATUS: "1 assets, mqtt connected, 0 windows" }]);
    vi.advanceTimersByTime(1000);
    expect(sent.slice(1)).toEqual([{ WATCHDOG: "1" }, { WATCHDOG: "1" }]);
    setStatus("1 assets, mqtt connected, 7 windows");
    vi.advanceTimersByTime(500);
    expect(sent.at(-1)).toEqual({ STATUS: "1 assets, mqtt connected, 7 windows", WATCHDOG: "1" });
  });

  it("withholds WATCHDOG=1 while the pipeline is wedged and resumes when it is alive again", () => {
    const { n, sent, set } = setup(500);
    n.ready();
    set(WEDGED);
    vi.advanceTimersByTime(1500);
    expect(sent.slice(1)).toEqual([
      { STATUS: "1 assets, mqtt connected, 0 windows; NOT ALIVE: model step: 3 window(s) waiting" },
    ]);
    set(ALIVE);
    vi.advanceTimersByTime(500);
    expect(sent.at(-1)).toEqual({ STATUS: "1 assets, mqtt connected, 0 windows", WATCHDOG: "1" });
    expect(n.pings).toBe(1);
  });

  it("wraps a reload in RELOADING=1 (with MONOTONIC_USEC) and READY=1, and stops pinging once STOPPING=1 went out", () => {
    const { n, sent } = setup(500);
    n.ready();
    n.reloading();
    n.reloaded("reload refused: EA_CONFIG_INVALID");
    expect(sent[1]).toMatchObject({ RELOADING: "1", STATUS: "reloading" });
    expect(sent[1]!.MONOTONIC_USEC).toMatch(/^\d+$/);
    expect(sent[2]).toEqual({
      READY: "1",
      STATUS: "1 assets, mqtt connected, 0 windows; reload refused: EA_CONFIG_INVALID",
    });
    n.stopping();
    const before = sent.length;
    vi.advanceTimersByTime(5000);
    expect(sent.length).toBe(before);
    expect(sent.at(-1)).toEqual({ STOPPING: "1", STATUS: "stopping" });
  });

  it("without a watchdog sends no WATCHDOG=1, only STATUS= changes", () => {
    const { n, sent, setStatus } = setup(null);
    n.ready();
    vi.advanceTimersByTime(30_000);
    expect(sent).toHaveLength(1);
    setStatus("changed");
    vi.advanceTimersByTime(10_000);
    expect(sent.at(-1)).toEqual({ STATUS: "changed" });
  });
});
