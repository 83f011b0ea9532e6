import { describe, expect, it } from "vitest";
import type { ActionMode } from "../../../src/config/actions-schema.js";
import { type EpisodeTicket, lowerMode, matches, planJobs } from "../../../src/actions/action-rules.js";
import { ticketKey } from "../../../src/actions/action-jobs.js";
import type { Advice } from "../../../src/types.js";
import { asset, advice, DEFAULT_ACTIONS, pumpProfile } from "../../fixtures/actions/scenario.js";

const A = asset(pumpProfile());
const E = "s1.p1.step3.abc";
const KNOWN = new Set(["sn", "jira"]);

function plan(
  a: Advice,
  tickets: EpisodeTicket[] = [],
  maxMode: ActionMode = "auto",
  actions = A.profile.actions,
) {
  return planJobs(a, {
    actions,
    normalClass: "normal",
    maxMode,
    knownTargets: KNOWN,
    episodeTickets: tickets,
  });
}

function opened(fault = "wear"): EpisodeTicket[] {
  return ["sn", "jira"].map((t) => ({
    target: t,
    ticketKey: ticketKey("s1", "p1", fault, E, t),
    openedFor: fault,
  }));
}

describe("planJobs", () => {
  it("opens a ticket on every target a matching rule names when a fault is raised", () => {
    const p = plan(advice("raise", "wear", "warning", 1000, E));
    expect(p.jobs.map((j) => [j.kind, j.target, j.key])).toEqual([
      ["ticket.open", "sn", `s1/p1/wear/${E}/ticket:sn#open`],
      ["ticket.open", "jira", `s1/p1/wear/${E}/ticket:jira#open`],
    ]);
    expect(p.jobs.every((j) => j.lane === j.key.replace("#open", ""))).toBe(true);
  });

  it("updates the episode's open tickets on escalation instead of opening new ones, and sends the critical command", () => {
    const p = plan(advice("escalate", "seizure", "critical", 2000, E, ["wear", "warning"]), opened());
    expect(p.jobs.map((j) => [j.kind, j.target])).toEqual([
      ["ticket.update", "sn"],
      ["ticket.update", "jira"],
      ["command", "stop"],
    ]);
    const update = p.jobs[0]!;
    expect(update.lane).toBe(ticketKey("s1", "p1", "wear", E, "sn"));
    expect(update.key).toBe(`${update.lane}#update@2000`);
    const cmd = p.jobs[2]!;
    expect(cmd.payload).toMatchObject({
      type: "command",
      command: "stop",
      params: { rampS: 5 },
      mode: "auto",
    });
    expect(cmd.expiresAtMs).toBe(2000 + 60_000);
    expect(cmd.cmdId).toMatch(/^c-[0-9a-f]{16}$/);
  });

  it("resolves every ticket of the episode on recovery, and nothing else", () => {
    const p = plan(advice("recover", "normal", "ok", 3000, E, ["seizure", "critical"]), opened());
    expect(p.jobs.map((j) => [j.kind, j.key])).toEqual([
      ["ticket.resolve", `s1/p1/wear/${E}/ticket:sn#resolve`],
      ["ticket.resolve", `s1/p1/wear/${E}/ticket:jira#resolve`],
    ]);
  });

  it("plans the same keys for the same advice, so a replay writes nothing new", () => {
    const a = advice("escalate", "seizure", "critical", 2000, E, ["wear", "warning"]);
    expect(plan(a, opened()).jobs.map((j) => j.key)).toEqual(plan(a, opened()).jobs.map((j) => j.key));
  });

  it.each([
    {
      name: "advise mode in the profile",
      mode: "advise" as const,
      maxMode: "auto" as const,
      want: "advised",
    },
    { name: "a fleet ceiling of advise", mode: "auto" as const, maxMode: "advise" as const, want: "advised" },
    {
      name: "a fleet ceiling of confirm",
      mode: "auto" as const,
      maxMode: "confirm" as const,
      want: "confirm",
    },
    {
      name: "confirm in the profile under an auto ceiling",
      mode: "confirm" as const,
      maxMode: "auto" as const,
      want: "confirm",
    },
  ])("plans no command job for $name, or the lower mode", ({ mode, maxMode, want }) => {
    const actions = { ...DEFAULT_ACTIONS, commands: { stop: { ...DEFAULT_ACTIONS.commands!.stop!, mode } } };
    const a = asset(pumpProfile(actions));
    const p = plan(
      advice("escalate", "seizure", "critical", 2000, E, ["wear", "warning"]),
      opened(),
      maxMode,
      a.profile.actions,
    );
    const cmd = p.jobs.find((j) => j.kind === "command");
    if (want === "advised") {
      expect(cmd).toBeUndefined();
      expect(p.advised).toEqual(["stop"]);
    } else {
      expect(cmd?.payload).toMatchObject({ mode: want });
    }
  });

  it("skips ticket targets the fleet does not configure, and says which", () => {
    const p = planJobs(advice("raise", "wear", "warning", 1000, E), {
      actions: A.profile.actions,
      normalClass: "normal",
      maxMode: "auto",
      knownTargets: new Set(["sn"]),
      episodeTickets: [],
    });
    expect(p.jobs.map((j) => j.target)).toEqual(["sn"]);
    expect(p.unknownTargets).toEqual(["jira"]);
  });

  it("opens a ticket on escalation when the raise was below every rule", () => {
    const actions = { rules: [{ minSeverity: "critical" as const, tickets: ["sn"] }] };
    const a = asset(pumpProfile(actions));
    const raise = plan(advice("raise", "wear", "warning", 1000, E), [], "auto", a.profile.actions);
    expect(raise.jobs).toEqual([]);
    const esc = plan(
      advice("escalate", "seizure", "critical", 2000, E, ["wear", "warning"]),
      [],
      "auto",
      a.profile.actions,
    );
    expect(esc.jobs.map((j) => [j.kind, j.key])).toEqual([
      ["ticket.open", `s1/p1/seizure/${E}/ticket:sn#open`],
    ]);
  });

  it("plans nothing for a profile without actions", () => {
    const p = planJobs(advice("raise", "wear", "warning", 1000, E), {
      actions: undefined,
      normalClass: "normal",
      maxMode: "auto",
      knownTargets: KNOWN,
      episodeTickets: [],
    });
    expect(p.jobs).toEqual([]);
  });
});

describe("matches", () => {
  it.each([
    { rule: {}, fault: "wear", severity: "warning", want: true },
    { rule: { class: "wear" }, fault: "seizure", severity: "critical", want: false },
    { rule: { class: ["wear", "seizure"] }, fault: "seizure", severity: "critical", want: true },
    { rule: { minSeverity: "alarm" }, fault: "wear", severity: "warning", want: false },
    { rule: { minSeverity: "alarm" }, fault: "wear", severity: "critical", want: true },
  ] as const)("rule $rule on $fault ($severity) → $want", ({ rule, fault, severity, want }) => {
    const r = { minSeverity: "info" as const, tickets: [], commands: [], ...rule };
    expect(matches(r as Parameters<typeof matches>[0], { fault, severity })).toBe(want);
  });
});

describe("lowerMode", () => {
  it.each([
    ["advise", "auto", "advise"],
    ["auto", "confirm", "confirm"],
    ["confirm", "auto", "confirm"],
    ["auto", "auto", "auto"],
  ] as const)("%s under %s is %s", (a, b, want) => {
    expect(lowerMode(a, b)).toBe(want);
  });
});
