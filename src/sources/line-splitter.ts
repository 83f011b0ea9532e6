/** What a chunk of bytes turned into, in stream order. */
export type LineEvent =
  | { readonly kind: "line"; readonly payload: Uint8Array }
  | { readonly kind: "discard"; readonly bytes: number; readonly detail: string };

export interface LineSplitterOptions {
  /** A longer line is one discard, and its bytes are dropped up to its end. */
  readonly maxLineBytes: number;
  /** After `reset()` (a reopen), drop the bytes up to the first line end: they are likely a cut line. */
  readonly skipFirstLine: boolean;
}

/**
 * Bytes in → lines out (`\n` ends a line; a `\r` before it is dropped; empty lines are ignored).
 * Pure and stateful across chunks; memory is bounded by `maxLineBytes`.
 */
export class LineSplitter {
  private readonly o: LineSplitterOptions;
  private partial: Uint8Array;
  private held = 0;
  /** Dropping bytes up to the next line end: an overlong line, or the first line after a reopen. */
  private dropping: "none" | "overlong" | "first" = "none";
  readonly stats = { lines: 0, discards: 0, discardedBytes: 0, skippedFirstLines: 0 };

  constructor(options: LineSplitterOptions) {
    this.o = options;
    this.partial = new Uint8Array(Math.min(4096, options.maxLineBytes));
  }

  /**
   * At a (re)open: forget the partial line (returned as a discard, its end never came); with
   * skipFirstLine, drop the bytes up to the next line end.
   */
  reset(): LineEvent | null {
    const held = this.held;
    this.held = 0;
    this.dropping = this.o.skipFirstLine ? "first" : "none";
    if (held === 0) return null;
    this.stats.discards++;
    this.stats.discardedBytes += held;
    return { kind: "discard", bytes: held, detail: `${held} bytes of an unfinished line dropped at reopen` };
  }

  push(chunk: Uint8Array): LineEvent[] {
    const out: LineEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      const nl = chunk.indexOf(0x0a, i);
      const segEnd = nl < 0 ? chunk.length : nl;
      if (this.dropping !== "none") {
        if (this.dropping === "overlong") this.stats.discardedBytes += segEnd - i;
        if (nl >= 0) {
          if (this.dropping === "first") this.stats.skippedFirstLines++;
          this.dropping = "none";
        }
      } else if (this.held + (segEnd - i) > this.o.maxLineBytes) {
        const bytes = this.held + (segEnd - i);
        out.push({ kind: "discard", bytes, detail: `line longer than ${this.o.maxLineBytes} bytes` });
        this.stats.discards++;
        this.stats.discardedBytes += bytes;
        this.held = 0;
        if (nl < 0) this.dropping = "overlong";
      } else if (nl < 0) {
        this.hold(chunk, i, segEnd);
      } else {
        let line: Uint8Array;
        if (this.held === 0) line = chunk.slice(i, segEnd);
        else {
          this.hold(chunk, i, segEnd);
          line = this.partial.slice(0, this.held);
          this.held = 0;
        }
        if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
        if (line.length > 0) {
          out.push({ kind: "line", payload: line });
          this.stats.lines++;
        }
      }
      i = nl < 0 ? chunk.length : nl + 1;
    }
    return out;
  }

  private hold(chunk: Uint8Array, from: number, to: number): void {
    const need = this.held + (to - from);
    if (need > this.partial.length) {
      const bigger = new Uint8Array(Math.min(this.o.maxLineBytes, Math.max(need, this.partial.length * 2)));
      bigger.set(this.partial.subarray(0, this.held));
      this.partial = bigger;
    }
    this.partial.set(chunk.subarray(from, to), this.held);
    this.held = need;
  }
}
