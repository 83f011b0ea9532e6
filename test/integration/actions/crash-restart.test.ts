import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandKey, ticketKey } from "../../../src/actions/action-jobs.js";
import { ticketLabel } from "../../../src/actions/jira-target.js";
import { OutboxStore } from "../../../src/actions/outbox-store.js";
import { mulberry32 } from "../../../src/training/prng.js";
import { ROOT } from "../../helpers/agent-process.js";
import { Mosquitto } from "../../helpers/mosquitto.js";
import { haveTool } from "../../helpers/required-tool.js";
import { tempDir } from "../../helpers/temp-dir.js";
import type { FakeHttpServer } from "../../fixtures/actions/fake-http.js";
import { FakeJira } from "../../fixtures/actions/fake-jira.js";
import { FakeServiceNow } from "../../fixtures/actions/fake-servicenow.js";
import { Observer } from "../../fixtures/actions/mqtt-port.js";
import type { ChildConfig } from "../../fixtures/actions/outbox-child.js";
import { SECRETS } from "../../fixtures/actions/scenario.js";

const CHILD = fileURLToPath(new URL("../../fixtures/actions/outbox-child.ts", import.meta.url));
const RUNS = Number(process.env.CRASH_RUNS ?? 20);
const SEED = Number(process.env.CRASH_SEED ?? 20_240_605);

type KillPlan =
  | { kind: "time"; afterMs: number }
  | { kind: "server"; server: "sn" | "jira"; nthWrite: number }
  | { kind: "none" };

interface Life {
  readonly outcome: "done" | "killed";
  readonly plan: KillPlan;
}

/**
 * The done-when test of the outbox: an asset goes normal → fault → escalation → recovery while
 * the process that acts on it is killed with SIGKILL at random points (at a random time after
 * it started, or the moment a ticket server receives a write) and started again on the same
 * outbox file, until it finishes. ServiceNow and Jira must each see exactly one create, one
 * update and one resolve, and the stop command must be published at most once per run.
 */
/** With Mosquitto the child also sends the stop command (checked at most once); without it, tickets only. */
const WITH_BROKER = haveTool("mosquitto");

describe("the outbox killed with SIGKILL at random points", () => {
  const sn = new FakeServiceNow("edge", SECRETS.SN_PASSWORD);
  const jira = new FakeJira(SECRETS.JIRA_TOKEN);
  let broker: Mosquitto | null = null;
  const rand = mulberry32(SEED);

  let work: ReturnType<typeof tempDir>;
  let childCommand: string[] = ["--import", "tsx", CHILD];

  beforeAll(async () => {
    work = tempDir();
    childCommand = await bundleChild(work.path("outbox-child.cjs"));
    if (WITH_BROKER) broker = await Mosquitto.start();
    await Promise.all([sn.http.start(), jira.http.start()]);
  });
  afterAll(async () => {
    await Promise.all([sn.http.close(), jira.http.close()]);
    await broker?.close();
    work.cleanup();
  });

  function live(cfg: ChildConfig, plan: KillPlan): Promise<Life> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...childCommand, JSON.stringify(cfg)], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NODE_PATH: join(ROOT, "node_modules") },
      });
      const kill = () => child.kill("SIGKILL");
      let stderr = "";
      let done = false;
      let buf = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          const line = JSON.parse(buf.slice(0, i)) as { event: string };
          buf = buf.slice(i + 1);
          if (line.event === "started" && plan.kind === "time") setTimeout(kill, plan.afterMs);
          if (line.event === "done") done = true;
        }
      });
      let server: FakeHttpServer | null = null;
      if (plan.kind === "server") {
        server = plan.server === "sn" ? sn.http : jira.http;
        let countdown = plan.nthWrite;
        server.beforeApply = (r) => {
          if (r.method === "GET" || countdown-- > 0) return;
          kill(); // the request arrived: the server still applies it, the answer goes nowhere
          server!.beforeApply = null;
        };
      }
      const guard = setTimeout(kill, 30_000);
      child.on("exit", (code, signal) => {
        clearTimeout(guard);
        if (server !== null) server.beforeApply = null;
        if (done && code === 0) resolve({ outcome: "done", plan });
        else if (signal === "SIGKILL" && !done) resolve({ outcome: "killed", plan });
        else if (signal === "SIGKILL") resolve({ outcome: "done", plan });
        else reject(new Error(`child exited with ${code ?? signal}: ${stderr}`));
      });
    });
  }

  function randomPlan(): KillPlan {
    if (rand() < 0.5) return { kind: "time", afterMs: Math.floor(rand() * 200) };
    return { kind: "server", server: rand() < 0.5 ? "sn" : "jira", nthWrite: Math.floor(rand() * 3) };
  }

  it(`creates, updates and resolves each ticket exactly once and sends the command at most once, over ${RUNS} runs`, async () => {
    const observer = broker === null ? null : await Observer.connect(broker.url, "crash/#");
    let kills = 0;
    const stories: string[] = [];
    try {
      for (let run = 0; run < RUNS; run++) {
        sn.reset();
        jira.reset();
        for (const s of [sn.http, jira.http]) {
          s.latencyMs = () => Math.floor(rand() * 15);
          s.faultFor = (r) =>
            r.method !== "GET" && rand() < 0.1 ? (rand() < 0.5 ? "500" : "apply-then-reset") : undefined;
        }
        const dir = tempDir();
        const episodeId = `s1.p1.step3.crash${run}`;
        const cfg: ChildConfig = {
          dir: dir.dir,
          snUrl: sn.http.url,
          jiraUrl: jira.http.url,
          mqttUrl: broker?.url ?? null,
          prefix: `crash/r${run}`,
          episodeId,
          t0Ms: Date.now(),
          feedDelayMs: 60,
        };
        const killsWanted = 1 + Math.floor(rand() * 2);
        const lives: Life[] = [];
        try {
          while (lives.length < killsWanted) {
            const life = await live(cfg, randomPlan());
            lives.push(life);
            if (life.outcome === "done") break;
          }
          if (lives.at(-1)?.outcome !== "done") lives.push(await live(cfg, { kind: "none" }));
          const story = `run ${run}: ${lives.map((l) => `${l.plan.kind === "time" ? `t+${l.plan.afterMs}` : l.plan.kind === "server" ? `${l.plan.server}#${l.plan.nthWrite}` : "end"}→${l.outcome}`).join(", ")}`;
          stories.push(story);
          if (process.env.CRASH_DEBUG) process.stderr.write(`${story}\n`);
          kills += lives.filter((l) => l.outcome === "killed").length;

          const snKey = ticketKey("s1", "p1", "wear", episodeId, "sn");
          const jiraKey = ticketKey("s1", "p1", "wear", episodeId, "jira");
          expect(sn.counts, story).toEqual({ creates: 1, updates: 1, resolves: 1 });
          expect(jira.counts, story).toEqual({ creates: 1, updates: 1, resolves: 1 });
          expect(
            sn.byCorrelation(snKey).map((i) => i.state),
            story,
          ).toEqual(["6"]);
          expect(
            jira.withLabel(ticketLabel(jiraKey)).map((i) => i.status),
            story,
          ).toEqual(["Done"]);

          await new Promise((r) => setTimeout(r, 50)); // let the broker deliver what was published
          const sent = observer?.on(`crash/r${run}/s1/p1/cmd`).length ?? 0;
          const store = OutboxStore.open(join(dir.dir, "state/outbox.db"), {
            maxJobs: 100,
            maxBytes: 1 << 20,
          });
          try {
            const cmd = store.byKey(commandKey("s1", "p1", "seizure", episodeId, "stop"));
            expect(store.counts().active, story).toBe(0);
            // sent → exactly once; unknown (killed while sending) → at most once; never twice
            if (observer === null) expect(cmd?.outcome, story).toBe("EA_COMMAND_NO_TRANSPORT");
            else if (cmd?.state === "done") expect(sent, story).toBe(1);
            else expect(cmd?.state, story).toBe("unknown");
            expect(sent, story).toBeLessThanOrEqual(1);
          } finally {
            store.close();
          }
        } finally {
          dir.cleanup();
        }
      }
    } finally {
      await observer?.close();
    }
    // The test means something only if the processes really died mid-run.
    expect(kills, stories.join("\n")).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);
});

/**
 * The child script bundled into one CommonJS file (packages stay external, found through
 * NODE_PATH): it starts in about a third of the time `--import tsx` takes, which is most of
 * this test's duration. esbuild comes with tsx; without it the script runs through tsx.
 */
async function bundleChild(outfile: string): Promise<string[]> {
  try {
    const { build } = await import("esbuild");
    await build({
      entryPoints: [CHILD],
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      outfile,
      packages: "external",
      logLevel: "error",
    });
    return [outfile];
  } catch (err) {
    process.stderr.write(`crash test: running the child through tsx (${(err as Error).message})\n`);
    return ["--import", "tsx", CHILD];
  }
}
