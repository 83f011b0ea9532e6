import { describe, expect, it } from "vitest";
import { fleetSchema } from "../../../src/config/fleet-schema.js";
import { profileSchema } from "../../../src/config/profile-schema.js";
import { DEFAULT_ACTIONS, pumpProfile } from "../../fixtures/actions/scenario.js";

function profileIssues(actions: unknown): string[] {
  const r = profileSchema.safeParse({ ...pumpProfile(), actions });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

const stop = DEFAULT_ACTIONS.commands!.stop!;

describe("profile actions", () => {
  it("accepts the example rules and fills in safe defaults", () => {
    const p = profileSchema.parse({
      ...pumpProfile(),
      actions: {
        rules: [{ tickets: ["sn"] }],
        commands: { s: { transport: stop.transport, params: stop.params } },
      },
    });
    expect(p.actions?.rules[0]).toEqual({ minSeverity: "info", tickets: ["sn"], commands: [] });
    expect(p.actions?.commands.s).toMatchObject({ mode: "advise", maxAgeS: 300, confirmTimeoutS: 300 });
  });

  it.each([
    {
      name: "a rule naming a command that is not defined",
      actions: { rules: [{ commands: ["open-valve"] }] },
      want: 'actions.rules.0.commands.0: unknown command "open-valve" (not under actions.commands)',
    },
    {
      name: "a rule value outside the parameter's limits",
      actions: { ...DEFAULT_ACTIONS, rules: [{ commands: [{ name: "stop", params: { rampS: 99 } }] }] },
      want: "actions.rules.0.commands.0.params.rampS: expected 1 to 30, found 99",
    },
    {
      name: "a parameter the command does not have",
      actions: { ...DEFAULT_ACTIONS, rules: [{ commands: [{ name: "stop", params: { speed: 1 } }] }] },
      want: 'actions.rules.0.commands.0.params.speed: "stop" has no parameter "speed"',
    },
    {
      name: "an unknown placeholder",
      actions: { commands: { s: { transport: { type: "mqtt", topic: "t", payload: "{{rpm}}" } } } },
      want: "actions.commands.s.transport: unknown placeholder {{rpm}}",
    },
    {
      name: "an acknowledged command without {{id}}",
      actions: {
        commands: { s: { transport: { type: "mqtt", topic: "t", payload: "STOP" }, ack: { topic: "a" } } },
      },
      want: "actions.commands.s.ack: an acknowledged command must carry {{id}} in its payload (the device echoes it)",
    },
    {
      name: "a wildcard in a command topic",
      actions: { commands: { s: { transport: { type: "mqtt", topic: "{prefix}/#", payload: "x" } } } },
      want: "actions.commands.s.transport.topic: a command topic is one topic, without MQTT wildcards",
    },
    {
      name: "a default outside the limits",
      actions: {
        commands: { s: { transport: stop.transport, params: { rampS: { min: 1, max: 3, default: 5 } } } },
      },
      want: "actions.commands.s.params.rampS.default: expected 1 to 3, found 5",
    },
    {
      name: "a hex frame that is not hex",
      actions: {
        commands: { s: { transport: { type: "serial", port: "p", frame: "zz", encoding: "hex" } } },
      },
      want: 'actions.commands.s.transport.frame: expected hex bytes, e.g. "01 06 00 10"',
    },
  ])("refuses $name, saying what was expected", ({ actions, want }) => {
    expect(profileIssues(actions)).toContain(want);
  });
});

describe("fleet actions", () => {
  const base = {
    agent: { id: "e" },
    mqtt: { url: "mqtt://h" },
    sites: [{ id: "s", assets: [{ id: "a", profile: "p" }] }],
  };

  it("defaults the outbox to ./state/outbox.db and actuation to the profile's own mode", () => {
    const f = fleetSchema.parse(base);
    expect(f.outbox).toMatchObject({ path: "./state/outbox.db", maxJobs: 10_000, concurrency: 4 });
    expect(f.outbox.retry).toEqual({ minMs: 1000, maxMs: 300_000, jitter: 0.2, maxAttempts: 0 });
    expect(f.ticketTargets).toEqual({});
    expect(f.actuation).toEqual({ maxMode: "auto" });
  });

  it("refuses credentials over http:// unless allowed, and unknown keys", () => {
    const r = fleetSchema.safeParse({
      ...base,
      ticketTargets: {
        sn: { type: "servicenow", url: "http://sn.local", auth: { type: "bearer", token: { env: "T" } } },
        j: {
          type: "jira",
          url: "https://j",
          auth: { type: "bearer", token: { env: "T" } },
          project: "M",
          projct: "x",
        },
      },
    });
    const issues = r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.code}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        "ticketTargets.sn.url: custom: credentials over http:// are refused: use https://, or set allowInsecureCredentials: true",
        expect.stringMatching(/^ticketTargets\.j: unrecognized_keys/),
      ]),
    );
  });

  it("never accepts a secret written inline", () => {
    const r = fleetSchema.safeParse({
      ...base,
      ticketTargets: {
        sn: {
          type: "servicenow",
          url: "https://sn",
          auth: { type: "basic", username: "u", password: "hunter2" },
        },
      },
    });
    expect(r.success).toBe(false);
  });
});
