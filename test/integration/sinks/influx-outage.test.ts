import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { influxSchema } from "../../../src/config/sinks-schema.js";
import { createLogger } from "../../../src/ops/logger.js";
import { InfluxSink } from "../../../src/sinks/influx-sink.js";
import type { PointContext } from "../../../src/sinks/telemetry-sink.js";
import { waitFor } from "../../helpers/collect.js";
import { haveTool } from "../../helpers/required-tool.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { VictoriaMetrics } from "../../helpers/victoria-metrics.js";

const ctxOf = (asset: string): PointContext => ({
  asset: { site: "plant 1", asset, key: `plant 1/${asset}` },
  profile: "step",
  model: "step-model",
  modelVersion: "1.0.0",
});

describe.skipIf(!haveTool("victoria-metrics"))("the InfluxDB sink against a real VictoriaMetrics", () => {
  let vm: VictoriaMetrics;
  let dir: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    vm = await VictoriaMetrics.start();
    dir = tempDir();
  });
  afterAll(async () => {
    await vm?.close();
    dir?.cleanup();
  });

  function sinkFor(spool: string, over: Record<string, unknown> = {}): InfluxSink {
    const config = influxSchema.parse({
      url: vm.url,
      bucket: "edge",
      flushIntervalMs: 50,
      batchPoints: 200,
      timeoutMs: 2000,
      retry: { minMs: 100, maxMs: 400, jitter: 0.2 },
      replayPointsPerS: 20_000,
      metricsIntervalS: 0,
      ...over,
    });
    return new InfluxSink({
      config,
      spoolPath: dir.path(spool),
      agentId: "it-agent",
      log: createLogger({ level: "silent" }),
    });
  }

  it("writes features, predictions and advice with their tags, escaped names and millisecond times", async () => {
    const sink = sinkFor("roundtrip/spool.db");
    await sink.start();
    const ctx: PointContext = {
      asset: { site: "hall, east", asset: "pump=2", key: "x" },
      profile: "odd profile\\",
      model: "m",
      modelVersion: "2.1",
    };
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    sink.features(ctx, t, ["rms", "env bpfo", "k,1"], new Float32Array([0.25, 1e-7, 3]));
    sink.prediction(ctx, {
      model: "m",
      modelVersion: "2.1",
      tsMs: t,
      classIndex: 2,
      className: "outer_race",
      confidence: 0.875,
      probabilities: new Float32Array(0),
      value: Number.NaN,
    });
    sink.advice(ctx, {
      site: "hall, east",
      asset: "pump=2",
      model: "m",
      modelVersion: "2.1",
      fault: "outer_race",
      severity: "alarm",
      confidence: 0.9,
      action: "Replace the bearing.",
      windowTsMs: t,
      changedAtMs: t + 5,
      episodeId: "e1",
      previousFault: "normal",
      previousSeverity: "ok",
      transition: "raise",
      value: Number.NaN,
    });
    await sink.flush();
    expect(await waitFor(() => sink.status().spooledPoints === 0, 5000)).toBe(true);
    await sink.stop(2000);

    const series = await vm.export('{site="hall, east"}');
    const byName = new Map(series.map((s) => [s.metric.__name__, s]));
    const tags = {
      site: "hall, east",
      asset: "pump=2",
      profile: "odd profile\\",
      model: "m",
      model_version: "2.1",
    };
    for (const [name, value] of [
      ["features_rms", 0.25],
      ["features_env bpfo", 1e-7],
      ["features_k,1", 3],
      ["predictions_class_index", 2],
      ["predictions_confidence", 0.875],
      ["advice_severity_rank", 3],
      ["advice_changed_at_ms", t + 5],
    ] as const) {
      const s = byName.get(name);
      expect(s, name).toBeDefined();
      expect(s!.metric).toMatchObject(tags);
      expect(s!.timestamps).toEqual([t]);
      expect(s!.values[0]).toBeCloseTo(value, 12);
    }
  });

  it("when the server is stopped mid-stream and started again, every point arrives exactly once", async () => {
    const sink = sinkFor("outage/spool.db");
    await sink.start();
    const assets = [ctxOf("a1"), ctxOf("a2")];
    const base = Date.now() - 3_600_000;
    const names = ["seq"];
    const row = new Float32Array(1);
    let seq = 0;
    const produce = async (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        for (let k = 0; k < 10; k++) {
          row[0] = seq;
          for (const ctx of assets) sink.features(ctx, base + seq, names, row);
          seq++;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await produce(800);
    const beforeOutage = seq;
    await vm.stop();
    await produce(2500);
    const afterOutage = seq;
    const during = sink.status();
    await vm.restart();
    await produce(800);
    await sink.flush();
    expect(
      await waitFor(() => sink.status().spooledPoints === 0 && sink.status().state === "ok", 20_000),
    ).toBe(true);
    const s = sink.status();
    await sink.stop(2000);

    process.stdout.write(
      `outage: ${seq * 2} points, ${(afterOutage - beforeOutage) * 2} during the outage; ` +
        `spooled ${s.spooled}, replayed ${s.replayed}, written ${s.written}, failed writes ${s.failedWrites}\n`,
    );
    expect(during.state).toBe("spooling");
    expect(s.spooled).toBeGreaterThanOrEqual((afterOutage - beforeOutage) * 2);
    expect(s.replayed).toBe(s.spooled);
    expect(s).toMatchObject({ written: seq * 2, dropped: 0, lost: 0, rejected: 0 });

    const expected = Array.from({ length: seq }, (_, i) => base + i);
    for (const a of ["a1", "a2"]) {
      const [series, ...more] = await vm.export(`features_seq{asset="${a}",site="plant 1"}`);
      expect(more).toHaveLength(0);
      expect(series!.timestamps).toEqual(expected); // each once: no gap, no duplicate
      expect(series!.values).toEqual(expected.map((t) => t - base));
    }
  });
});
