import { afterEach, describe, expect, it } from "vitest";
import { ticketKey } from "../../../src/actions/action-jobs.js";
import { planJobs } from "../../../src/actions/action-rules.js";
import { OutboxStore } from "../../../src/actions/outbox-store.js";
import type { Advice } from "../../../src/types.js";
import { asset, episode, pumpProfile } from "../../fixtures/actions/scenario.js";
import { tempDir } from "../../helpers/temp-dir.js";

const A = asset(pumpProfile());
const E = "s1.p1.step3.k1";
let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

function open(limits = { maxJobs: 1000, maxBytes: 8 * 1024 * 1024 }, file?: string) {
  let path = file;
  if (path === undefined) {
    const t = tempDir();
    cleanups.push(t.cleanup);
    path = t.path("state/outbox.db");
  }
  const store = OutboxStore.open(path, limits);
  cleanups.push(() => store.close());
  return { store, path };
}

function planFor(store: OutboxStore, a: Advice) {
  return planJobs(a, {
    actions: A.profile.actions,
    normalClass: "normal",
    maxMode: "auto",
    knownTargets: new Set(["sn", "jira"]),
    episodeTickets: store.episodeTickets(a.site, a.asset, a.episodeId),
  }).jobs;
}

describe("OutboxStore", () => {
  it("writes each idempotency key once, however often the same advice is planned", () => {
    const { store } = open();
    const [raise] = episode(E, 1000);
    expect(store.insert(planFor(store, raise!), 1000)).toHaveLength(2);
    expect(store.insert(planFor(store, raise!), 1001)).toHaveLength(0);
    expect(store.counts()).toMatchObject({ jobs: 2, active: 2 });
    expect(store.episodeTickets("s1", "p1", E).map((t) => t.target)).toEqual(["sn", "jira"]);
  });

  it("keeps what it wrote across a close and reopen of the file", () => {
    const first = open();
    const [raise] = episode(E, 1000);
    first.store.insert(planFor(first.store, raise!), 1000);
    first.store.close();
    const again = open(undefined, first.path);
    expect(again.store.due(1000, 10).map((j) => j.kind)).toEqual(["ticket.open", "ticket.open"]);
  });

  it("refuses a second process on the same file while the first has it open", () => {
    const first = open();
    expect(() =>
      OutboxStore.open(first.path, { maxJobs: 10, maxBytes: 1 << 20, busyTimeoutMs: 100 }),
    ).toThrow(
      expect.objectContaining({
        code: "EA_OUTBOX_OPEN",
        message: expect.stringContaining("locked by another process"),
      }),
    );
  });

  it("hands out a ticket's jobs one at a time, in order", () => {
    const { store } = open();
    const [raise, esc, rec] = episode(E, 1000);
    for (const a of [raise!, esc!, rec!]) store.insert(planFor(store, a), a.changedAtMs);
    const lane = ticketKey("s1", "p1", "wear", E, "sn");
    const laneJobs = () => store.due(10_000, 100).filter((j) => j.lane === lane);
    expect(laneJobs().map((j) => j.kind)).toEqual(["ticket.open"]);
    const open1 = laneJobs()[0]!;
    store.beginAttempt(open1.id, 3000);
    expect(laneJobs()).toEqual([]); // in flight: nothing else of the lane
    store.finish(open1.id, "done", 3001, "ok");
    expect(laneJobs().map((j) => j.kind)).toEqual(["ticket.update"]);
  });

  it("prunes finished jobs first when it fills, then refuses with EA_OUTBOX_FULL and writes nothing", () => {
    const { store } = open({ maxJobs: 4, maxBytes: 8 * 1024 * 1024 });
    const eps = ["e1", "e2", "e3"].map((e, i) => episode(`s1.p1.step3.${e}`, 1000 * (i + 1))[0]!);
    store.insert(planFor(store, eps[0]!), 1);
    store.insert(planFor(store, eps[1]!), 2);
    for (const j of store.due(10, 10).slice(0, 2)) store.finish(j.id, "done", 3, "ok");
    expect(store.insert(planFor(store, eps[2]!), 4)).toHaveLength(2); // room made from finished jobs
    expect(store.counts()).toMatchObject({ jobs: 4, active: 4 });
    const more = episode("s1.p1.step3.e4", 9000)[0]!;
    expect(() => store.insert(planFor(store, more), 5)).toThrow(
      expect.objectContaining({ code: "EA_OUTBOX_FULL" }),
    );
    expect(store.counts()).toMatchObject({ jobs: 4, active: 4 });
  });

  it("finds commands past their expiry, requests past their deadline and acks not received", () => {
    const { store } = open();
    const [, esc] = episode(E, 1000);
    store.insert(planFor(store, esc!), 2000);
    const cmd = store.due(2000, 10).find((j) => j.kind === "command")!;
    expect(cmd.expiresAtMs).toBe(2000 + 60_000);
    expect(store.overdue(61_999)).toEqual([]);
    expect(store.overdue(62_000).map((j) => j.id)).toEqual([cmd.id]);
    store.transition(cmd.id, "awaiting_confirm", { deadlineAtMs: 10_000 });
    expect(store.overdue(10_000).map((j) => j.state)).toEqual(["awaiting_confirm"]);
    store.transition(cmd.id, "awaiting_ack", { deadlineAtMs: 70_000 });
    expect(store.overdue(65_000)).toEqual([]); // sent: its expiry no longer matters, its ack deadline does
    expect(store.overdue(70_000).map((j) => j.state)).toEqual(["awaiting_ack"]);
  });

  it("counts a command as sent from the moment it is marked sending (for the rate limit)", () => {
    const { store } = open();
    const [, esc] = episode(E, 1000);
    store.insert(planFor(store, esc!), 2000);
    const cmd = store.due(2000, 10).find((j) => j.kind === "command")!;
    expect(store.sentSince("stop", "s1", "p1", 0)).toBe(0);
    store.beginAttempt(cmd.id, 2500, true);
    expect(store.sentSince("stop", "s1", "p1", 2500)).toBe(1);
    expect(store.sentSince("stop", "s1", "p1", 2501)).toBe(0);
  });

  it("prunes old finished jobs but keeps an open ticket known until it is resolved", () => {
    const { store } = open();
    const [raise] = episode(E, 1000);
    store.insert(planFor(store, raise!), 1000);
    for (const j of store.due(1000, 10)) {
      store.setTicketRemote(j.lane, "r1", "INC1", "open", 1000);
      store.finish(j.id, "done", 1000, "ok");
    }
    expect(store.prune(5000)).toBe(2);
    expect(store.counts().jobs).toBe(0);
    expect(store.episodeTickets("s1", "p1", E)).toHaveLength(2);
  });
});
