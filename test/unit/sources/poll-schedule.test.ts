import { describe, expect, it } from "vitest";
import {
  PollSchedule,
  type PollTarget,
  rtuInterFrameMs,
  rtuT35Ms,
} from "../../../src/sources/poll-schedule.js";

const backoff = { minMs: 1000, maxMs: 8000, jitter: 0 };

/**
 * Runs a schedule as the Modbus source does, on a simulated clock: each poll of a live slave
 * takes `answerMs`, of a dead one `timeoutMs`, then the bus keeps `gapMs` of silence.
 */
function simulate(
  targets: PollTarget[],
  dead: Set<string>,
  untilMs: number,
  answerMs: number,
  timeoutMs: number,
  gapMs: number,
) {
  const s = new PollSchedule(targets, () => 0.5);
  s.restart(0);
  let now = 0;
  const polls = new Map<string, number[]>(targets.map((t) => [t.key, []]));
  while (now < untilMs) {
    const n = s.next()!;
    if (n.dueMs > now) {
      now = n.dueMs;
      continue;
    }
    polls.get(n.key)!.push(now);
    if (dead.has(n.key)) {
      now += timeoutMs;
      s.failed(n.key, now);
    } else {
      now += answerMs;
      s.succeeded(n.key, now);
    }
    now += gapMs;
  }
  return polls;
}

function intervals(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

describe("PollSchedule", () => {
  const t = (key: string, intervalMs: number): PollTarget => ({ key, intervalMs, backoff });

  it("keeps each live slave's rate on a shared bus while a dead one costs one timeout per backoff period", () => {
    const polls = simulate([t("a", 100), t("b", 100), t("dead", 100)], new Set(["dead"]), 60_000, 10, 200, 2);
    for (const key of ["a", "b"]) {
      const iv = intervals(polls.get(key)!);
      const mean = iv.reduce((x, y) => x + y, 0) / iv.length;
      expect(mean).toBeGreaterThan(99);
      expect(mean).toBeLessThan(101);
      // The worst gap: one dead-slave timeout plus the other live slave's poll.
      expect(Math.max(...iv)).toBeLessThanOrEqual(100 + 200 + 10 + 2 * 2 + 10);
    }
    const dead = intervals(polls.get("dead")!);
    expect(dead.slice(0, 5)).toEqual([1200, 2200, 4200, 8200, 8200]);
  });

  it("does not slow down when polls take time, and makes up at most one missed poll after a hold-up", () => {
    const s = new PollSchedule([t("a", 100)]);
    s.restart(0);
    s.succeeded("a", 30); // the poll due at 0 took 30 ms
    expect(s.next()).toEqual({ key: "a", dueMs: 100 });
    s.succeeded("a", 450); // the poll due at 100 only finished at 450: 200 and 300 were missed
    expect(s.next()).toEqual({ key: "a", dueMs: 350 }); // one make-up poll, at once
    s.succeeded("a", 460);
    expect(s.next()).toEqual({ key: "a", dueMs: 450 });
    s.succeeded("a", 470);
    expect(s.next()).toEqual({ key: "a", dueMs: 550 }); // back on the grid
  });

  it.each<[string, number, number]>([
    ["first failure waits the backoff minimum", 1, 1000],
    ["second failure doubles it", 2, 2000],
    ["the backoff is capped", 6, 8000],
  ])("%s", (_name, failures, expected) => {
    const s = new PollSchedule([t("a", 100)], () => 0.5);
    s.restart(0);
    let r = { first: false, retryInMs: 0 };
    for (let i = 0; i < failures; i++) r = s.failed("a", 0);
    expect(r.retryInMs).toBe(expected);
    expect(r.first).toBe(failures === 1);
    expect(s.succeeded("a", 5).recovered).toBe(true);
    expect(s.failures("a")).toBe(0);
  });

  it("never retries a failed slave sooner than its interval", () => {
    const s = new PollSchedule([{ key: "slow", intervalMs: 5000, backoff }], () => 0.5);
    expect(s.failed("slow", 0).retryInMs).toBe(5000);
  });

  it("staggers the first polls over the interval", () => {
    const s = new PollSchedule([t("a", 100), t("b", 100)]);
    s.restart(1000, 100);
    s.succeeded("a", 1001);
    expect(s.next()).toEqual({ key: "b", dueMs: 1050 });
  });
});

describe("rtuInterFrameMs", () => {
  it.each([
    [9600, "even", 4.01, 6], // 3.5 × 11 bits / 9600 baud, rounded up, + 1 ms of timer slack
    [9600, "none", 3.65, 5], // 3.5 × 10 bits
    [19200, "even", 2.005, 4],
    [38400, "even", 1.75, 3], // fixed 1.75 ms above 19200 baud
    [115200, "none", 1.75, 3],
  ])("%i baud, parity %s: t3.5 = %f ms, waits %i ms", (baud, parity, t35, ms) => {
    expect(rtuT35Ms(baud, 8, parity, 1)).toBeCloseTo(t35, 2);
    expect(rtuInterFrameMs(baud, 8, parity, 1)).toBe(ms);
  });
});
