import { afterEach, describe, expect, it } from "vitest";
import { fitRobustBaseline } from "../../../src/baseline/robust-baseline.js";
import { EvidenceRing } from "../../../src/feedback/evidence-ring.js";
import { parseFeedback } from "../../../src/feedback/feedback-message.js";
import { type EpisodeContext, FeedbackStore } from "../../../src/feedback/feedback-store.js";
import type { Advice } from "../../../src/types.js";
import { tempDir } from "../../helpers/temp-dir.js";

const CTX: EpisodeContext = {
  profile: "p",
  normalClass: "normal",
  featureNames: ["a", "b"],
  params: { shaftRpm: 1800 },
  windowing: "block",
  sampleRateHz: 1000,
};

function advice(
  asset: string,
  episodeId: string,
  transition: Advice["transition"],
  fault = "fault",
  model = "m",
): Advice {
  return {
    site: "s1",
    asset,
    model,
    modelVersion: "1",
    fault,
    severity: fault === "normal" ? "ok" : "alarm",
    confidence: 0.9,
    action: "",
    windowTsMs: 100,
    changedAtMs: 1_700_000_000_000,
    episodeId,
    previousFault: null,
    previousSeverity: null,
    transition,
    value: Number.NaN,
  };
}

describe("feedback messages", () => {
  it.each([
    ['{"episodeId": "e1", "verdict": "confirmed"}', { episodeId: "e1", verdict: "confirmed" }],
    [
      '{"episodeId": "e1", "verdict": "fixed", "faultCode": "outer_race", "by": "jo"}',
      { faultCode: "outer_race", by: "jo" },
    ],
    ['{"episodeId": "e1", "verdict": "maybe"}', "verdict"],
    ['{"verdict": "confirmed"}', "episodeId"],
    ['{"episodeId": "e1", "verdict": "confirmed", "faultCode": "outer race!"}', "faultCode"],
    ["{", "not JSON"],
    [`{"episodeId": "e1", "verdict": "confirmed", "note": "${"x".repeat(20_000)}"}`, "payload of"],
  ])("reads %s", (payload, expected) => {
    const got = parseFeedback(payload);
    if (typeof expected === "string") expect(got).toEqual(expect.stringContaining(expected));
    else expect(got).toMatchObject(expected);
  });
});

describe("the feedback store", () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir.cleanup());

  it("joins verdicts to episodes and their evidence, and survives a reopen", () => {
    dir = tempDir();
    const ring = new EvidenceRing(2, 4);
    for (let i = 0; i < 6; i++) ring.push(Float32Array.of(i, 10 * i), 20 * i);
    let store = new FeedbackStore(dir.path("state/feedback.db"));
    store.open();
    store.recordAdvice(advice("a1", "e1", "raise"), CTX, ring.take(80, 3));
    store.recordAdvice(advice("a1", "e1", "recover", "normal"), CTX, { tsMs: [], rows: new Float32Array(0) });
    store.recordCapture("e1", "raise", "/tmp/cap", 5);
    expect(store.addFeedback({ episodeId: "nope", verdict: "confirmed" }, "mqtt", 1)).toMatchObject({
      ok: false,
    });
    expect(store.addFeedback({ episodeId: "e1", verdict: "false_alarm" }, "mqtt", 2)).toMatchObject({
      ok: true,
      asset: "a1",
    });
    expect(
      store.addFeedback({ episodeId: "e1", verdict: "confirmed", faultCode: "inner_race" }, "http", 3).ok,
    ).toBe(true);
    store.close();

    store = new FeedbackStore(dir.path("state/feedback.db"));
    store.open();
    const [e] = store.labelledEpisodes(0);
    // The latest verdict wins; the fault code is the label.
    expect(e).toMatchObject({ episodeId: "e1", verdict: "confirmed", label: "inner_race", fault: "fault" });
    expect(e!.evidence.tsMs).toEqual([40, 60, 80]);
    expect([...e!.evidence.rows]).toEqual([2, 20, 3, 30, 4, 40]);
    expect(e!.captures).toEqual([{ transition: "raise", path: "/tmp/cap" }]);
    expect(store.labelledEpisodes(4)).toEqual([]);
    store.close();
  });

  it("counts precision per model and asset from each episode's latest verdict (fixed counts as confirmed)", () => {
    dir = tempDir();
    const store = new FeedbackStore(dir.path("f.db"));
    store.open();
    const none = { tsMs: [], rows: new Float32Array(0) };
    const verdicts: [string, string, "confirmed" | "false_alarm" | "fixed"][] = [
      ["a1", "e1", "confirmed"],
      ["a1", "e2", "false_alarm"],
      ["a1", "e3", "fixed"],
      ["a2", "e4", "false_alarm"],
    ];
    for (const [asset, ep, v] of verdicts) {
      store.recordAdvice(advice(asset, ep, "raise"), CTX, none);
      store.addFeedback({ episodeId: ep, verdict: v }, "mqtt", 1);
    }
    store.recordAdvice(advice("a2", "e5", "raise"), CTX, none); // no verdict yet: not counted
    expect(store.precision()).toEqual([
      { model: "m", site: "s1", asset: "a1", confirmed: 2, falseAlarm: 1, precision: 2 / 3 },
      { model: "m", site: "s1", asset: "a2", confirmed: 0, falseAlarm: 1, precision: 0 },
    ]);
    store.close();
  });

  it("keeps an asset's baseline", () => {
    dir = tempDir();
    const store = new FeedbackStore(dir.path("f.db"));
    store.open();
    const b = fitRobustBaseline(Float32Array.of(1, 2, 3, 4, 5, 6), 3, ["x", "y"], 42);
    store.saveBaseline("s1/a1", b);
    const back = store.loadBaseline("s1/a1")!;
    expect([...back.median]).toEqual([...b.median]);
    expect([...back.scale]).toEqual([...b.scale]);
    expect(back).toMatchObject({ features: ["x", "y"], rows: 3, fittedAtMs: 42 });
    store.deleteBaseline("s1/a1");
    expect(store.loadBaseline("s1/a1")).toBeNull();
    store.close();
  });
});
