import { type BackoffConfig, nextBackoffMs } from "./backoff.js";

export interface PollTarget {
  readonly key: string;
  readonly intervalMs: number;
  /** After a failure the target is asked again after this backoff (never sooner than its interval). */
  readonly backoff: BackoffConfig;
}

interface TargetState {
  readonly t: PollTarget;
  dueMs: number;
  failures: number;
}

/**
 * When to poll which slave on one connection. Pure: time comes in as an argument.
 * - Fixed rate: the next poll is due one interval after the previous one was *due*, so the time
 *   a request takes does not slow the rate. A target held up (by another slave's timeout) makes
 *   up at most one missed poll, never a burst: its due time lags now by at most one interval.
 * - A failure (no answer) moves the target back by a doubling backoff, so a dead slave costs the
 *   bus at most one timeout per backoff period and the others keep their rate.
 */
export class PollSchedule {
  private readonly targets: TargetState[];
  private readonly random: () => number;

  constructor(targets: readonly PollTarget[], random: () => number = Math.random) {
    this.targets = targets.map((t) => ({ t, dueMs: 0, failures: 0 }));
    this.random = random;
  }

  /** Everything due at `nowMs`, spread over the first interval (`stagger`) so requests do not bunch. */
  restart(nowMs: number, staggerMs = 0): void {
    this.targets.forEach((s, i) => {
      s.dueMs = nowMs + (this.targets.length > 1 ? (i * staggerMs) / this.targets.length : 0);
    });
  }

  /** The target due first (earliest due time; the first listed on a tie). */
  next(): { key: string; dueMs: number } | null {
    let best: TargetState | null = null;
    for (const s of this.targets) if (best === null || s.dueMs < best.dueMs) best = s;
    return best === null ? null : { key: best.t.key, dueMs: best.dueMs };
  }

  /** The poll of `key` that was due got its answer; returns whether the target had been failing. */
  succeeded(key: string, nowMs: number): { recovered: boolean } {
    const s = this.get(key);
    const recovered = s.failures > 0;
    s.failures = 0;
    s.dueMs = Math.max(s.dueMs + s.t.intervalMs, nowMs - s.t.intervalMs);
    return { recovered };
  }

  /** The poll of `key` got no answer: back off. Returns whether this is the first failure in a row, and the delay. */
  failed(key: string, nowMs: number): { first: boolean; retryInMs: number } {
    const s = this.get(key);
    s.failures++;
    const retryInMs = Math.max(s.t.intervalMs, nextBackoffMs(s.failures, s.t.backoff, this.random));
    s.dueMs = nowMs + retryInMs;
    return { first: s.failures === 1, retryInMs };
  }

  failures(key: string): number {
    return this.get(key).failures;
  }

  private get(key: string): TargetState {
    const s = this.targets.find((x) => x.t.key === key);
    if (s === undefined) throw new RangeError(`unknown poll target "${key}"`);
    return s;
  }
}

/**
 * The silence a Modbus RTU master keeps between frames: 3.5 character times (a character is
 * start + data + parity + stop bits), fixed at 1.75 ms above 19200 baud as the specification
 * says (`rtuT35Ms`). The wait is that rounded up to whole milliseconds plus one, since a timer
 * may fire up to a millisecond early.
 */
export function rtuInterFrameMs(baudRate: number, dataBits = 8, parity = "even", stopBits = 1): number {
  return Math.ceil(rtuT35Ms(baudRate, dataBits, parity, stopBits)) + 1;
}

/** 3.5 character times in ms (1.75 ms above 19200 baud). */
export function rtuT35Ms(baudRate: number, dataBits = 8, parity = "even", stopBits = 1): number {
  if (baudRate > 19200) return 1.75;
  const bits = 1 + dataBits + (parity === "none" ? 0 : 1) + stopBits;
  return (3.5 * bits * 1000) / baudRate;
}
