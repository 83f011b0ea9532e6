import { AbortError, HttpError, RequestTimedOutError } from "@influxdata/influxdb-client";
import { describe, expect, it } from "vitest";
import { classifyWriteError } from "../../../src/sinks/write-outcome.js";

describe("what a failed write means", () => {
  it.each([
    [400, "reject"],
    [413, "reject"],
    [422, "reject"],
    [401, "refused"],
    [403, "refused"],
    [404, "refused"],
    [429, "retry"],
    [500, "retry"],
    [503, "retry"],
  ])("HTTP %d means %s", (status, kind) => {
    const body = JSON.stringify({ code: "x", message: "partial write: field type conflict" });
    const out = classifyWriteError(new HttpError(status, "msg", body, null, "application/json"));
    expect(out.kind).toBe(kind);
    expect(out.reason).toBe(`HTTP ${status}: partial write: field type conflict`);
  });

  it("keeps the server's Retry-After for 429 and 503", () => {
    const out = classifyWriteError(new HttpError(503, "busy", "", "7"));
    expect(out).toMatchObject({ kind: "retry", retryAfterMs: 7000 });
  });

  it.each([
    [
      "a refused connection",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    ],
    ["a timeout", new RequestTimedOutError()],
    ["an abort", new AbortError()],
  ])("%s is retried", (_n, err) => {
    expect(classifyWriteError(err).kind).toBe("retry");
  });
});
