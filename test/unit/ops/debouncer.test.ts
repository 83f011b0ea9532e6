import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Debouncer } from "../../../src/ops/config-watcher.js";

describe("the reload debouncer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("fires once, after the burst has been quiet for the delay, with every path poked", () => {
    const fired: string[][] = [];
    const d = new Debouncer(1000, (w) => fired.push(w.sort()));
    d.poke("models/step/model.onnx");
    vi.advanceTimersByTime(600);
    d.poke("models/step/manifest.json");
    d.poke("models/step/model.onnx");
    vi.advanceTimersByTime(999);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([["models/step/manifest.json", "models/step/model.onnx"]]);
    d.poke("fleet.yaml");
    vi.advanceTimersByTime(1000);
    expect(fired[1]).toEqual(["fleet.yaml"]);
  });

  it("fires nothing after cancel", () => {
    const fired: string[][] = [];
    const d = new Debouncer(100, (w) => fired.push(w));
    d.poke("fleet.yaml");
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
  });
});
