import { describe, expect, it } from "vitest";
import { FixedHistogram } from "../../../src/ops/fixed-histogram.js";

describe("FixedHistogram", () => {
  it("counts a value equal to a bound in that bound's bucket (Prometheus le), and beyond the last in +Inf", () => {
    const h = new FixedHistogram([1, 2, 4]);
    for (const v of [0.5, 1, 1.5, 2, 3, 4, 5, 100]) h.observe(v);
    expect(h.cumulative()).toEqual([2, 4, 6, 8]);
    expect(h.count).toBe(8);
    expect(h.sum).toBe(117);
  });

  it("refuses bounds that do not ascend", () => {
    expect(() => new FixedHistogram([1, 1, 2])).toThrow(/ascend/);
  });
});
