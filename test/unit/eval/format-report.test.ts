import { describe, expect, it } from "vitest";
import { formatReport, formatTable } from "../../../src/eval/format-report.js";
import { classificationMetrics } from "../../../src/training/metrics.js";

describe("formatReport", () => {
  it("prints a classifier's headline figures, per-class table and confusion matrix with labels", () => {
    const m = {
      ...classificationMetrics([0, 0, 1, 2], [0, 1, 1, 2], ["none", "power", "overstrain"]),
      f1: 0.5,
      precision: 1,
      recall: 1 / 3,
      pr_auc: 0.75,
    };
    const text = formatReport(m, {
      dataset: "ai4i",
      model: { name: "machine-failure", version: "1.0.0" },
      files: ["x.csv"],
      unit: "record",
      count: 4,
    });
    expect(text).toContain("model machine-failure 1.0.0 on ai4i: 4 records");
    expect(text).toContain("accuracy   0.7500");
    expect(text).toContain("failure    precision 1.0000  recall 0.3333  F1 0.5000  PR-AUC 0.7500");
    const lines = text.split("\n");
    const header = lines.findIndex((l) => l.startsWith("confusion"));
    expect(lines.slice(header + 1, header + 5)).toEqual([
      "            none  power  overstrain",
      "none           1      1           0",
      "power          0      1           0",
      "overstrain     0      0           1",
    ]);
    expect(text).toMatch(/power\s+0\.5000\s+1\.0000\s+0\.6667\s+1/);
  });

  it("prints RUL figures for the last cycles and, when given, every window", () => {
    const text = formatReport(
      { rmse: 12.3456, phm08_score: 250.5 },
      {
        dataset: "cmapss",
        model: { name: "turbofan-rul", version: "1" },
        files: [],
        unit: "engine",
        count: 100,
        layout: "evaluation",
        rulCap: 125,
        windows: { count: 9000, rmse: 14, phm08_score: 1e4 },
      },
    );
    expect(text).toContain("on cmapss (evaluation layout): 100 engines");
    expect(text).toContain("last cycle of each engine (true RUL capped at 125):");
    expect(text).toContain("RMSE         12.346");
    expect(text).toContain("every window (9000):");
  });

  it("aligns table columns to the widest cell", () => {
    expect(
      formatTable([
        ["a", "1"],
        ["long", "100"],
      ]),
    ).toBe("a       1\nlong  100");
  });
});
