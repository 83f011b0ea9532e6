import { describe, expect, it } from "vitest";
import { RowQueue } from "../../../src/inference/row-queue.js";

const row = (v: number) => Float32Array.of(v, v + 0.5);

describe("RowQueue", () => {
  it("gives rows back in the order they came, across the end of the ring", () => {
    const q = new RowQueue<string>(4, 2);
    q.push(row(1), "a");
    q.push(row(2), "b");
    q.push(row(3), "c");
    const into = new Float32Array(8);
    expect(q.take(2, into)).toEqual(["a", "b"]);
    q.push(row(4), "d");
    q.push(row(5), "e");
    q.push(row(6), "f"); // wraps
    expect(q.length).toBe(4);
    expect(q.take(4, into)).toEqual(["c", "d", "e", "f"]);
    expect(Array.from(into)).toEqual([3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5]);
    expect(q.length).toBe(0);
  });

  it("evicts the oldest row when full and returns its tag", () => {
    const q = new RowQueue<number>(2, 2);
    expect(q.push(row(1), 1)).toEqual({ evicted: false });
    expect(q.push(row(2), 2)).toEqual({ evicted: false });
    expect(q.push(row(3), 3)).toEqual({ evicted: true, tag: 1 });
    const into = new Float32Array(4);
    expect(q.take(2, into)).toEqual([2, 3]);
    expect(Array.from(into)).toEqual([2, 2.5, 3, 3.5]);
  });

  it("copies a subarray view, not the array behind it", () => {
    const q = new RowQueue<number>(2, 2);
    const big = Float32Array.of(9, 9, 7, 8, 9, 9);
    q.push(big.subarray(2, 4), 0);
    big.fill(0);
    const into = new Float32Array(2);
    q.take(1, into);
    expect(Array.from(into)).toEqual([7, 8]);
  });

  it("refuses to take more rows than it holds", () => {
    const q = new RowQueue<number>(2, 2);
    q.push(row(1), 1);
    expect(() => q.take(2, new Float32Array(4))).toThrow(RangeError);
  });
});
