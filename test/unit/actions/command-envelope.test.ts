import { describe, expect, it } from "vitest";
import { snapshot } from "../../../src/actions/action-jobs.js";
import { checkParams, renderCommand, withinRateLimit } from "../../../src/actions/command-envelope.js";
import { commandSchema } from "../../../src/config/actions-schema.js";
import { advice, DEFAULT_ACTIONS } from "../../fixtures/actions/scenario.js";

const stop = commandSchema.parse(DEFAULT_ACTIONS.commands!.stop);
const values = (params: Record<string, number>) => ({
  id: "c-0123456789abcdef",
  command: "stop",
  advice: snapshot(advice("escalate", "seizure", "critical", 5000, "s1.p1.m.x")),
  params,
  issuedAtMs: 5100,
  expiresAtMs: 65_000,
});

describe("checkParams", () => {
  it("accepts values within the limits", () => {
    expect(() => checkParams("stop", stop, { rampS: 30 })).not.toThrow();
  });

  it.each<{ params: Record<string, number>; want: string }>([
    { params: { rampS: 31 }, want: "rampS: expected 1 to 30, found 31" },
    { params: { rampS: 2.5 }, want: "rampS: expected an integer, found 2.5" },
    { params: { rampS: Number.NaN }, want: "rampS: expected a finite number, found NaN" },
    { params: {}, want: "rampS: no value" },
    { params: { rampS: 3, rpm: 1 }, want: '"rpm" is not a parameter of "stop"' },
  ])("refuses $params with EA_COMMAND_LIMITS: $want", ({ params, want }) => {
    expect(() => checkParams("stop", stop, params)).toThrow(
      expect.objectContaining({ code: "EA_COMMAND_LIMITS", message: expect.stringContaining(want) }),
    );
  });
});

describe("renderCommand", () => {
  it("fills in parameters and built-ins", () => {
    expect(renderCommand(stop, values({ rampS: 5 })).toString()).toBe(
      '{"op":"stop","id":"c-0123456789abcdef","rampS":5}',
    );
  });

  it("renders every built-in placeholder", () => {
    const c = commandSchema.parse({
      transport: {
        type: "mqtt",
        topic: "t",
        payload:
          "{{command}} {{site}} {{asset}} {{fault}} {{severity}} {{episodeId}} {{issuedAtMs}} {{expiresAtMs}}",
      },
    });
    expect(renderCommand(c, values({})).toString()).toBe("stop s1 p1 seizure critical s1.p1.m.x 5100 65000");
  });

  it("refuses a text value that is not a plain identifier (nothing can change a payload's shape)", () => {
    const v = values({ rampS: 5 });
    const bad = { ...v, advice: { ...v.advice, fault: 'x","op":"start' } };
    const c = commandSchema.parse({ transport: { type: "mqtt", topic: "t", payload: '{"f":"{{fault}}"}' } });
    expect(() => renderCommand(c, bad)).toThrow(expect.objectContaining({ code: "EA_COMMAND_LIMITS" }));
  });

  it("sends a hex serial frame as its bytes", () => {
    const c = commandSchema.parse({
      transport: { type: "serial", port: "rs485", frame: "01 06 00 10 00 00", encoding: "hex" },
    });
    expect([...renderCommand(c, values({}))]).toEqual([1, 6, 0, 16, 0, 0]);
  });
});

describe("withinRateLimit", () => {
  it.each([
    [0, true],
    [1, true],
    [2, false],
    [5, false],
  ])("with %i sends in the window, another is allowed: %s", (sent, want) => {
    expect(withinRateLimit(stop, sent)).toBe(want);
  });

  it("allows any number of sends without a rate limit", () => {
    expect(withinRateLimit({ ...stop, rateLimit: undefined }, 1000)).toBe(true);
  });
});
