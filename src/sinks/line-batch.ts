/**
 * Lines waiting to be sent, cut into a batch by count or bytes (the caller cuts by time too).
 * Pure: no timers, the caller passes the time.
 */
export class LineBatch {
  private lines: string[] = [];
  private bytes = 0;
  private firstAtMs = 0;
  private readonly maxPoints: number;
  private readonly maxBytes: number;

  constructor(maxPoints: number, maxBytes: number) {
    this.maxPoints = maxPoints;
    this.maxBytes = maxBytes;
  }

  get size(): number {
    return this.lines.length;
  }

  /** Adds a line; true when the batch is full and should be cut now. */
  add(line: string, nowMs: number): boolean {
    if (this.lines.length === 0) this.firstAtMs = nowMs;
    this.lines.push(line);
    this.bytes += line.length + 1;
    return this.lines.length >= this.maxPoints || this.bytes >= this.maxBytes;
  }

  /** Whether the oldest line has waited `intervalMs` or longer. */
  due(nowMs: number, intervalMs: number): boolean {
    return this.lines.length > 0 && nowMs - this.firstAtMs >= intervalMs;
  }

  /** The lines so far (the batch starts empty again). */
  take(): string[] {
    const out = this.lines;
    this.lines = [];
    this.bytes = 0;
    return out;
  }
}
