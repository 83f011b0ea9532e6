import { describe, expect, it } from "vitest";
import { type LineEvent, LineSplitter } from "../../../src/sources/line-splitter.js";
import { mulberry32 } from "../../../src/training/prng.js";

const ascii = (s: string) => new TextEncoder().encode(s);

function summary(events: readonly LineEvent[]): string[] {
  return events.map((e) => (e.kind === "line" ? new TextDecoder().decode(e.payload) : `-${e.bytes}`));
}

function split(chunks: readonly string[], maxLineBytes = 16, skipFirstLine = false): string[] {
  const s = new LineSplitter({ maxLineBytes, skipFirstLine });
  s.reset();
  return chunks.flatMap((c) => summary(s.push(ascii(c))));
}

describe("LineSplitter", () => {
  it.each<[string, string[], string[]]>([
    ["lines in one chunk", ["a,1\nb,2\n"], ["a,1", "b,2"]],
    ["a line split over chunks", ["a,", "1", "2\n"], ["a,12"]],
    ["CRLF line ends", ["a\r\nb\r\n"], ["a", "b"]],
    ["a CR split from its LF", ["a\r", "\n"], ["a"]],
    ["empty lines are ignored", ["\n\r\n\na\n"], ["a"]],
    ["an unfinished line is held", ["abc"], []],
    ["a line of exactly the limit", ["0123456789abcdef\n"], ["0123456789abcdef"]],
    ["a line over the limit in one chunk", ["0123456789abcdefX\nok\n"], ["-17", "ok"]],
    [
      "a line over the limit over chunks, dropped to its end",
      ["0123456789", "abcdefXYZ", "more bytes", "\nok\n"],
      ["-19", "ok"],
    ],
  ])("%s", (_name, chunks, expected) => {
    expect(split(chunks)).toEqual(expected);
  });

  it("after a reopen with skipFirstLine it drops the bytes up to the first line end", () => {
    const s = new LineSplitter({ maxLineBytes: 64, skipFirstLine: true });
    s.reset();
    expect(summary(s.push(ascii("23.4,1\n1700,5\n")))).toEqual(["1700,5"]);
    s.push(ascii("1700,"));
    expect(s.reset()).toMatchObject({ kind: "discard", bytes: 5 }); // port reopened mid-line
    expect(summary(s.push(ascii("0,7\n1701,6\n")))).toEqual(["1701,6"]);
    expect(s.stats.skippedFirstLines).toBe(2);
  });

  it("without skipFirstLine a reopen only forgets the partial line", () => {
    const s = new LineSplitter({ maxLineBytes: 64, skipFirstLine: false });
    s.push(ascii("half"));
    s.reset();
    expect(summary(s.push(ascii("whole\n")))).toEqual(["whole"]);
  });

  it("keeps its memory bounded and its count right over 1 MB of random bytes", () => {
    const s = new LineSplitter({ maxLineBytes: 200, skipFirstLine: false });
    const random = mulberry32(3);
    let lines = 0;
    let discardedBytes = 0;
    let lineBytes = 0;
    for (let c = 0; c < 256; c++) {
      const chunk = new Uint8Array(4096);
      for (let i = 0; i < chunk.length; i++) chunk[i] = Math.floor(random() * 256);
      for (const e of s.push(chunk)) {
        if (e.kind === "line") {
          lines++;
          lineBytes += e.payload.length;
          expect(e.payload.length).toBeLessThanOrEqual(200);
        } else discardedBytes += e.bytes;
      }
    }
    expect(lines).toBeGreaterThan(1000);
    expect(s.stats.discards).toBeGreaterThan(100);
    expect(lineBytes + discardedBytes).toBeLessThan(1_048_576);
  });
});
