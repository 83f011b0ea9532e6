import { afterEach, describe, expect, it } from "vitest";
import { ActionError } from "../../../src/actions/action-error.js";
import { planJobs } from "../../../src/actions/action-rules.js";
import { OutboxStore } from "../../../src/actions/outbox-store.js";
import { TicketDelivery } from "../../../src/actions/ticket-delivery.js";
import type { RemoteTicket, TicketCall, TicketTarget } from "../../../src/actions/ticket-target.js";
import { createLogger } from "../../../src/ops/logger.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { asset, episode, pumpProfile } from "../../fixtures/actions/scenario.js";

/** A target that answers from a script of errors, then succeeds; records the calls it got. */
class ScriptedTarget implements TicketTarget {
  readonly type = "scripted";
  readonly calls: { op: string; retry: boolean }[] = [];
  constructor(
    readonly name: string,
    private readonly errors: (ActionError | null)[],
  ) {}
  private next(op: string, call: TicketCall): void {
    this.calls.push({ op, retry: call.retry });
    const e = this.errors.shift();
    if (e) throw e;
  }
  async open(call: TicketCall): Promise<RemoteTicket> {
    this.next("open", call);
    return { id: "r1", key: "T-1" };
  }
  async find(): Promise<RemoteTicket | null> {
    return null;
  }
  async update(call: TicketCall): Promise<void> {
    this.next("update", call);
  }
  async resolve(call: TicketCall): Promise<void> {
    this.next("resolve", call);
  }
}

const PUMP = asset(pumpProfile({ rules: [{ tickets: ["t"] }] }));
let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
});

function setup(errors: (ActionError | null)[], maxAttempts = 0) {
  const t = tempDir();
  const store = OutboxStore.open(t.path("o.db"), { maxJobs: 100, maxBytes: 1 << 20 });
  cleanup.push(t.cleanup, () => store.close());
  const target = new ScriptedTarget("t", errors);
  let now = 1_000_000;
  const delivery = new TicketDelivery({
    store,
    targets: new Map([["t", target]]),
    retry: { minMs: 1000, maxMs: 8000, jitter: 0.2, maxAttempts },
    log: createLogger({ level: "silent" }),
    now: () => now,
    random: () => 0.5, // no jitter
  });
  const [raise] = episode("s1.p1.step3.d", 1000);
  store.insert(
    planJobs(raise!, {
      actions: PUMP.profile.actions,
      normalClass: "normal",
      maxMode: "auto",
      knownTargets: new Set(["t"]),
      episodeTickets: [],
    }).jobs,
    now,
  );
  /** Runs the due job once; returns its state and how long until it is due again. */
  const step = async () => {
    const job = store.due(now, 1)[0]!;
    await delivery.run(job, new AbortController().signal);
    const after = store.job(job.id)!;
    const wait = after.dueAtMs - now;
    now = after.dueAtMs;
    return { state: after.state, wait, outcome: after.outcome };
  };
  return { store, target, delivery, step };
}

const down = () => new ActionError("EA_TICKET_UNAVAILABLE", "503", { retryable: true, status: 503 });

describe("TicketDelivery", () => {
  it("retries with exponential backoff capped at maxMs, then succeeds and looks before writing again", async () => {
    const { step, target } = setup([down(), down(), down(), down(), down(), null]);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) waits.push((await step()).wait);
    expect(waits).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(await step()).toMatchObject({ state: "done", outcome: "ok" });
    expect(target.calls.map((c) => c.retry)).toEqual([false, true, true, true, true, true]);
  });

  it("waits at least as long as the server's Retry-After asks, within maxMs", async () => {
    const { step } = setup([
      new ActionError("EA_TICKET_UNAVAILABLE", "429", { retryable: true, status: 429, retryAfterMs: 5000 }),
      new ActionError("EA_TICKET_UNAVAILABLE", "429", { retryable: true, status: 429, retryAfterMs: 60_000 }),
    ]);
    expect((await step()).wait).toBe(5000);
    expect((await step()).wait).toBe(8000);
  });

  it.each([
    { name: "refused credentials", err: new ActionError("EA_TICKET_AUTH", "401", { status: 401 }) },
    { name: "a rejected body", err: new ActionError("EA_TICKET_REJECTED", "400", { status: 400 }) },
  ])("fails at once on $name (a person must fix it)", async ({ err }) => {
    const { step, target } = setup([err]);
    expect(await step()).toMatchObject({ state: "failed", outcome: err.code });
    expect(target.calls).toHaveLength(1);
  });

  it("gives up after maxAttempts when it is set", async () => {
    const { step } = setup([down(), down(), down()], 2);
    expect((await step()).state).toBe("pending");
    expect(await step()).toMatchObject({ state: "failed", outcome: "EA_TICKET_UNAVAILABLE" });
  });

  it("records every attempt with its outcome", async () => {
    const { step, store } = setup([down(), null]);
    const id = store.due(Number.MAX_SAFE_INTEGER, 1)[0]!.id;
    await step();
    await step();
    expect(store.attempts(id)).toEqual([
      { n: 1, startedAtMs: 1_000_000, endedAtMs: 1_000_000, outcome: "EA_TICKET_UNAVAILABLE", detail: "503" },
      { n: 2, startedAtMs: 1_001_000, endedAtMs: 1_001_000, outcome: "ok", detail: null },
    ]);
    expect(store.counts()).toMatchObject({ jobs: 1, active: 0 });
  });
});
