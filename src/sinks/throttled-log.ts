/**
 * A repeating condition logs its first occurrence, then at most one line per interval saying
 * how many occurrences were not logged. Pure: the caller passes the time.
 */
export class ThrottledLog {
  private readonly intervalMs: number;
  private readonly last = new Map<string, { atMs: number; suppressed: number }>();

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** Null: do not log this one. Otherwise log it, with `suppressed` occurrences since the last line. */
  hit(key: string, nowMs: number): { readonly first: boolean; readonly suppressed: number } | null {
    const s = this.last.get(key);
    if (s === undefined) {
      this.last.set(key, { atMs: nowMs, suppressed: 0 });
      return { first: true, suppressed: 0 };
    }
    if (nowMs - s.atMs < this.intervalMs) {
      s.suppressed++;
      return null;
    }
    const suppressed = s.suppressed;
    s.atMs = nowMs;
    s.suppressed = 0;
    return { first: false, suppressed };
  }

  /** Forgets a condition (it ended): its next occurrence logs at once. */
  clear(key: string): void {
    this.last.delete(key);
  }
}
