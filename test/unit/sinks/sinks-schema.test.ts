import { describe, expect, it } from "vitest";
import { influxSchema, storeSchema } from "../../../src/config/sinks-schema.js";

describe("the influx: and store: sections", () => {
  it("fill in the defaults: ms batches of 5000 points or 1 s, a 512 MB spool beside the fleet file, replay at 5000 points/s", () => {
    expect(influxSchema.parse({ url: "http://influx:8086", bucket: "edge" })).toMatchObject({
      org: "",
      timeoutMs: 10_000,
      batchPoints: 5000,
      flushIntervalMs: 1000,
      spoolPath: "./state/spool.db",
      spoolMaxMB: 512,
      replayPointsPerS: 5000,
      retry: { minMs: 1000, maxMs: 60_000, jitter: 0.2 },
      metricsIntervalS: 60,
    });
    expect(storeSchema.parse({})).toMatchObject({
      path: "./state/history.db",
      retentionDays: 7,
      maxRows: 2_000_000,
    });
  });

  it.each([
    [{ url: "influx:8086", bucket: "b" }, "url", "http:// or https://"],
    [{ url: "http://influx:8086/api/v2", bucket: "b" }, "url", "without /api/v2"],
    [{ url: "http://influx:8086" }, "bucket", ""],
    [{ url: "http://influx:8086", bucket: "b", token: "inline-secret" }, "token", ""],
    [{ url: "http://influx:8086", bucket: "b", spoolMaxMb: 5 }, "", "spoolMaxMb"],
  ])("refuse %j at %s", (input, path, message) => {
    const r = influxSchema.safeParse(input);
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    expect(issue.path.join(".")).toBe(path);
    expect(JSON.stringify(issue)).toContain(message);
  });
});
