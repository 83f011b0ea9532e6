import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ActionConsumer } from "../../../src/actions/action-consumer.js";
import { marker, ticketKey } from "../../../src/actions/action-jobs.js";
import { ticketLabel } from "../../../src/actions/jira-target.js";
import type { Advice } from "../../../src/types.js";
import { waitFor } from "../../helpers/collect.js";
import { tempDir } from "../../helpers/temp-dir.js";
import type { Fault, Recorded } from "../../fixtures/actions/fake-http.js";
import { FakeJira } from "../../fixtures/actions/fake-jira.js";
import { FakeServiceNow } from "../../fixtures/actions/fake-servicenow.js";
import { FakeWebhook } from "../../fixtures/actions/fake-webhook.js";
import { collectingLogger, makeConsumer } from "../../fixtures/actions/harness.js";
import { asset, episode, pumpProfile, SECRETS, targets } from "../../fixtures/actions/scenario.js";

const sn = new FakeServiceNow("edge", SECRETS.SN_PASSWORD);
const jira = new FakeJira(SECRETS.JIRA_TOKEN);
const hook = new FakeWebhook(SECRETS.HOOK_SECRET);
let dir: ReturnType<typeof tempDir>;
let consumers: ActionConsumer[] = [];
let n = 0;

beforeAll(async () => {
  await Promise.all([sn.http.start(), jira.http.start(), hook.http.start()]);
});
afterAll(async () => {
  await Promise.all([sn.http.close(), jira.http.close(), hook.http.close()]);
});
afterEach(async () => {
  for (const c of consumers) await c.stop(2000);
  consumers = [];
  dir?.cleanup();
  sn.reset();
  jira.reset();
});

const TICKETS_ONLY = {
  rules: [{ class: ["wear", "seizure"], minSeverity: "warning" as const, tickets: ["sn", "jira", "hook"] }],
};
const PUMP = asset(pumpProfile(TICKETS_ONLY));

async function start(
  opts: { jiraApi?: 2 | 3; log?: ReturnType<typeof collectingLogger>["log"]; reuseDir?: boolean } = {},
) {
  if (!opts.reuseDir) dir = tempDir();
  const c = makeConsumer({
    dir: dir.dir,
    ticketTargets: targets({ sn: sn.http.url, jira: jira.http.url, hook: hook.http.url }, opts.jiraApi ?? 2),
    actions: TICKETS_ONLY,
    ...(opts.log ? { log: opts.log } : {}),
  });
  await c.start();
  consumers.push(c);
  return c;
}

/** Feeds the episode, each advice once the jobs before it are delivered. */
async function drive(c: ActionConsumer, advices: Advice[]): Promise<void> {
  for (const a of advices) {
    c.onAdvice(a, PUMP);
    expect(await waitFor(() => c.waiting() === 0, 10_000)).toBe(true);
  }
}

describe("ticket targets against real HTTP servers on loopback", () => {
  it("ServiceNow gets one incident created, one work note and one resolution, with basic auth and the correlation id", async () => {
    const c = await start();
    const E = `s1.p1.step3.sn${n++}`;
    const advices = episode(E, Date.now());
    await drive(c, advices);
    expect(sn.counts).toEqual({ creates: 1, updates: 1, resolves: 1 });
    const writes = sn.http.requests.filter((r) => r.method !== "GET");
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /api/now/table/incident",
      expect.stringMatching(/^PATCH \/api\/now\/table\/incident\/[0-9a-f]{32}$/),
      expect.stringMatching(/^PATCH \/api\/now\/table\/incident\/[0-9a-f]{32}$/),
    ]);
    for (const r of sn.http.requests)
      expect(r.headers.authorization).toBe(`Basic ${Buffer.from("edge:sn-pass").toString("base64")}`);
    const key = ticketKey("s1", "p1", "wear", E, "sn");
    expect(writes[0]!.json).toMatchObject({
      short_description: "s1/p1: wear (warning)",
      correlation_id: key,
      correlation_display: "edge-agent",
      assignment_group: "maintenance",
      urgency: "2",
      impact: "3",
    });
    expect(writes[1]!.json).toMatchObject({
      urgency: "1",
      impact: "1",
      work_notes: expect.stringMatching(/^Escalated: s1\/p1 now seizure \(critical/),
    });
    const updateMarker = marker(`${key}#update@${advices[1]!.changedAtMs}`);
    expect((writes[1]!.json as { work_notes: string }).work_notes.endsWith(` [${updateMarker}]`)).toBe(true);
    expect(writes[2]!.json).toMatchObject({
      state: "6",
      close_code: "Solved (Permanently)",
      close_notes: expect.stringMatching(/^Recovered: s1\/p1 is back to normal/),
    });
    expect(sn.byCorrelation(key)).toHaveLength(1);
    expect(sn.byCorrelation(key)[0]!.state).toBe("6");
  });

  it.each([2, 3] as const)(
    "Jira (API v%i) gets one issue, one comment and one Done transition, with a bearer token and a label",
    async (api) => {
      const c = await start({ jiraApi: api });
      const E = `s1.p1.step3.j${api}-${n++}`;
      await drive(c, episode(E, Date.now()));
      expect(jira.counts).toEqual({ creates: 1, updates: 1, resolves: 1 });
      const calls = jira.http.requests.map((r) => `${r.method} ${r.path}`);
      expect(calls).toEqual([
        `POST /rest/api/${api}/issue`,
        `POST /rest/api/${api}/issue/MAINT-1/comment`,
        `GET /rest/api/${api}/issue/MAINT-1/transitions`,
        `POST /rest/api/${api}/issue/MAINT-1/transitions`,
      ]);
      for (const r of jira.http.requests) expect(r.headers.authorization).toBe("Bearer jira-token");
      const label = ticketLabel(ticketKey("s1", "p1", "wear", E, "jira"));
      const create = jira.http.requests[0]!.json as { fields: Record<string, unknown> };
      expect(create.fields).toMatchObject({
        project: { key: "MAINT" },
        issuetype: { name: "Task" },
        summary: "s1/p1: wear (warning)",
        labels: [label],
      });
      expect(jira.http.requests[3]!.json).toMatchObject({
        transition: { id: "31" },
        update: { comment: [{ add: {} }] },
      });
      const description = create.fields.description;
      if (api === 2)
        expect(description).toEqual(expect.stringContaining("edge-agent advice for s1/p1: wear"));
      else
        expect(description).toMatchObject({
          type: "doc",
          version: 1,
          content: expect.arrayContaining([expect.objectContaining({ type: "paragraph" })]),
        });
      expect(jira.withLabel(label).map((i) => i.status)).toEqual(["Done"]);
    },
  );

  it("the webhook gets CloudEvents with an Idempotency-Key and a valid HMAC-SHA256 signature", async () => {
    const c = await start();
    const E = `s1.p1.step3.h${n++}`;
    const before = hook.events.length;
    await drive(c, episode(E, Date.now()));
    const mine = hook.http.requests.filter((r) => (r.json as { subject?: string }).subject?.includes(E));
    expect(mine.map((r) => (r.json as { type: string }).type)).toEqual([
      "com.edge-agent.ticket.open",
      "com.edge-agent.ticket.update",
      "com.edge-agent.ticket.resolve",
    ]);
    for (const r of mine) {
      const ev = r.json as Record<string, unknown>;
      expect(ev).toMatchObject({
        specversion: "1.0",
        source: "edge-agent/edge-t",
        subject: ticketKey("s1", "p1", "wear", E, "hook"),
        datacontenttype: "application/json",
      });
      expect(r.headers["idempotency-key"]).toBe(ev.id);
      expect(r.headers["content-type"]).toBe("application/cloudevents+json; charset=utf-8");
      expect(r.headers["x-signature-256"]).toBe(
        `sha256=${createHmac("sha256", SECRETS.HOOK_SECRET).update(r.body).digest("hex")}`,
      );
      expect(Date.parse(ev.time as string)).not.toBeNaN();
    }
    expect(hook.events.length - before).toBe(3);
    expect(hook.badSignatures).toBe(0);
  });

  const FAULTS: Fault[] = ["500", "503", "reset", "hang", "apply-then-reset", "apply-then-hang"];

  it.each(FAULTS)(
    "with a %s on every first write, each system still ends with exactly one create, update and resolve",
    async (fault) => {
      const failedOnce = new Set<string>();
      const once = (r: Recorded): Fault | undefined => {
        if (r.method === "GET") return undefined;
        const what = `${r.method} ${r.path} ${JSON.stringify(r.json).slice(0, 40)}`;
        if (failedOnce.has(what)) return undefined;
        failedOnce.add(what);
        return fault;
      };
      sn.http.faultFor = once;
      jira.http.faultFor = once;
      const c = await start();
      const E = `s1.p1.step3.f${n++}`;
      await drive(c, episode(E, Date.now()));
      expect(sn.counts).toEqual({ creates: 1, updates: 1, resolves: 1 });
      expect(jira.counts).toEqual({ creates: 1, updates: 1, resolves: 1 });
      expect(c.stats().tickets.retried).toBeGreaterThanOrEqual(6);
      expect(c.stats().tickets.failed).toBe(0);
    },
  );

  it("fails a ticket whose credentials are refused, once, and says a person is needed", async () => {
    const { log, lines } = collectingLogger();
    sn.http.faultFor = null;
    const c = await start({ log });
    const saved = SECRETS.SN_PASSWORD;
    (SECRETS as { SN_PASSWORD: string }).SN_PASSWORD = "wrong";
    try {
      c.onAdvice(episode(`s1.p1.step3.a${n++}`, Date.now())[0]!, PUMP);
      expect(await waitFor(() => c.waiting() === 0, 5000)).toBe(true);
    } finally {
      (SECRETS as { SN_PASSWORD: string }).SN_PASSWORD = saved;
    }
    expect(sn.http.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    const err = lines.find((l) => l.code === "EA_TICKET_AUTH");
    expect(err).toMatchObject({
      level: 50,
      target: "sn",
      msg: "ticket open on sn failed: a person is needed",
    });
  });

  it("when the server is down, a queued ticket waits through a restart and is delivered exactly once when it is back", async () => {
    await sn.http.close();
    const c1 = await start();
    const E = `s1.p1.step3.d${n++}`;
    const [raise] = episode(E, Date.now());
    c1.onAdvice(raise!, PUMP);
    await new Promise((r) => setTimeout(r, 300)); // a few refused attempts
    expect(c1.waiting()).toBe(1); // jira is up: only the ServiceNow job waits
    await c1.stop(1000);
    consumers = [];
    await sn.http.start();
    const url = sn.http.url;
    // the same fleet, but ServiceNow came back on another port
    const c2 = makeConsumerAt(url);
    await c2.start();
    consumers.push(c2);
    expect(await waitFor(() => c2.waiting() === 0, 5000)).toBe(true);
    expect(sn.counts.creates).toBe(1);
    expect(sn.byCorrelation(ticketKey("s1", "p1", "wear", E, "sn"))).toHaveLength(1);
  });
});

function makeConsumerAt(snUrl: string): ActionConsumer {
  return makeConsumer({
    dir: dir.dir,
    ticketTargets: targets({ sn: snUrl, jira: jira.http.url, hook: hook.http.url }),
    actions: TICKETS_ONLY,
  });
}
