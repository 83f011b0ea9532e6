import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ActionConsumer } from "../../../src/actions/action-consumer.js";
import type { ProfileInput } from "../../../src/config/profile-schema.js";
import type { Advice } from "../../../src/types.js";
import { waitFor } from "../../helpers/collect.js";
import { Mosquitto } from "../../helpers/mosquitto.js";
import { haveTool } from "../../helpers/required-tool.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { collectingLogger, makeConsumer } from "../../fixtures/actions/harness.js";
import { MqttPort, Observer } from "../../fixtures/actions/mqtt-port.js";
import { asset, DEFAULT_ACTIONS, episode, pumpProfile } from "../../fixtures/actions/scenario.js";

type Actions = NonNullable<ProfileInput["actions"]>;
type StopCommand = NonNullable<Actions["commands"]>[string];

/** The default stop command with some settings changed; the rule asks for it at critical. */
function withStop(over: Partial<StopCommand>): Actions {
  return {
    rules: [{ minSeverity: "critical", commands: [{ name: "stop", params: { rampS: 5 } }] }],
    commands: { stop: { ...DEFAULT_ACTIONS.commands!.stop!, ...over } },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!haveTool("mosquitto"))("actuator commands against a real Mosquitto", () => {
  let broker: Mosquitto;
  let dir: ReturnType<typeof tempDir>;
  let port: MqttPort | null = null;
  let observer: Observer | null = null;
  let consumer: ActionConsumer | null = null;
  let n = 0;
  let prefix = "";

  beforeAll(async () => {
    broker = await Mosquitto.start();
  });
  afterAll(async () => {
    await broker.close();
  });
  afterEach(async () => {
    await consumer?.stop(2000);
    consumer = null;
    await port?.close();
    port = null;
    await observer?.close();
    observer = null;
    dir.cleanup();
  });

  async function start(
    actions: Actions,
    extra: {
      actuation?: { maxMode: "advise" | "confirm" | "auto" };
      log?: ReturnType<typeof collectingLogger>["log"];
    } = {},
  ) {
    prefix = `t${n++}`;
    dir = tempDir();
    observer = await Observer.connect(broker.url, `${prefix}/#`);
    port = await MqttPort.connect(broker.url, `it-actions-${prefix}`);
    consumer = makeConsumer({ dir: dir.dir, actions, mqtt: port, prefix, ...extra });
    await consumer.start();
    await port.ready();
    return { consumer, asset: asset(pumpProfile(actions)) };
  }

  /** The escalation to critical that asks for the stop. */
  function critical(changedAtMs = Date.now(), ep = `s1.p1.step3.${prefix}`): Advice {
    return episode(ep, changedAtMs - 1000)[1]!;
  }

  async function confirm(id: string, body: Record<string, unknown>, asset = "p1") {
    await observer!.client.publishAsync(`${prefix}/s1/${asset}/actions/${id}/confirm`, JSON.stringify(body), {
      qos: 1,
    });
  }

  it("in advise mode no command and nothing on the action topics is ever published", async () => {
    const { log, lines } = collectingLogger();
    const { consumer: c, asset: a } = await start(withStop({ mode: "advise" }), { log });
    c.onAdvice(critical(), a);
    await sleep(400);
    expect(observer!.messages).toEqual([]);
    expect(c.waiting()).toBe(0);
    expect(lines.find((l) => l.command === "stop")).toMatchObject({
      msg: "command stop advised, not sent (mode advise)",
    });
  });

  it("the fleet's actuation.maxMode advise overrides a profile's auto", async () => {
    const { consumer: c, asset: a } = await start(withStop({ mode: "auto" }), {
      actuation: { maxMode: "advise" },
    });
    c.onAdvice(critical(), a);
    await sleep(400);
    expect(observer!.messages).toEqual([]);
  });

  it("in auto mode the command is published once, rendered, with a sent audit event", async () => {
    const { consumer: c, asset: a } = await start(withStop({ mode: "auto" }));
    const adv = critical();
    c.onAdvice(adv, a);
    c.onAdvice(adv, a); // the same advice again: still one command
    expect(await waitFor(() => observer!.on("/audit").length >= 1, 3000)).toBe(true);
    await sleep(200);
    const cmds = observer!.on("/p1/cmd");
    expect(cmds).toHaveLength(1);
    const body = JSON.parse(cmds[0]!.payload) as { id: string };
    expect(body).toEqual({ op: "stop", id: expect.stringMatching(/^c-[0-9a-f]{16}$/), rampS: 5 });
    expect(observer!.json("/audit")).toEqual([
      expect.objectContaining({
        id: body.id,
        command: "stop",
        event: "sent",
        site: "s1",
        asset: "p1",
        fault: "seizure",
        params: { rampS: 5 },
      }),
    ]);
    expect(observer!.on(`/actions/${body.id}/audit`)).toHaveLength(1);
  });

  it("in confirm mode the command goes out only after a confirmation naming its id, on its asset's topic", async () => {
    const { consumer: c, asset: a } = await start(withStop({ mode: "confirm", confirmTimeoutS: 30 }));
    c.onAdvice(critical(), a);
    expect(await waitFor(() => observer!.on("/request").length === 1, 3000)).toBe(true);
    const req = observer!.json("/request")[0]!;
    const id = req.id as string;
    expect(req).toMatchObject({
      command: "stop",
      site: "s1",
      asset: "p1",
      fault: "seizure",
      params: { rampS: 5 },
      confirmTopic: `${prefix}/s1/p1/actions/${id}/confirm`,
    });
    await sleep(300);
    expect(observer!.on("/cmd")).toEqual([]);
    await confirm(id, { id }, "p2"); // another asset's topic
    await confirm(id, { id: "c-0000000000000000" }); // names another id
    await confirm("c-0000000000000000", { id: "c-0000000000000000" }); // an id nobody asked about
    await confirm(id, { id, command: "start", decision: "maybe" }); // not a decision
    await sleep(300);
    expect(observer!.on("/cmd")).toEqual([]);
    expect(c.stats().replies.ignored).toBe(4);
    await confirm(id, { id, by: "alice" });
    expect(await waitFor(() => observer!.on("/cmd").length === 1, 3000)).toBe(true);
    await confirm(id, { id, by: "alice" }); // a second confirmation sends nothing more
    await sleep(300);
    expect(observer!.on("/cmd")).toHaveLength(1);
    expect(observer!.json("/audit").map((e) => [e.event, e.by])).toEqual([
      ["requested", undefined],
      ["confirmed", "alice"],
      ["sent", "alice"],
    ]);
  });

  it("a confirmation may set a parameter within its limits; one outside them refuses the command", async () => {
    const { consumer: c, asset: a } = await start(withStop({ mode: "confirm" }));
    c.onAdvice(critical(), a);
    expect(await waitFor(() => observer!.on("/request").length === 1, 3000)).toBe(true);
    const id = observer!.json("/request")[0]!.id as string;
    await confirm(id, { id, params: { rampS: 12 } });
    expect(await waitFor(() => observer!.on("/cmd").length === 1, 3000)).toBe(true);
    expect(JSON.parse(observer!.on("/cmd")[0]!.payload)).toMatchObject({ rampS: 12 });

    c.onAdvice(critical(Date.now(), `s1.p1.step3.${prefix}-b`), a);
    expect(await waitFor(() => observer!.on("/request").length === 2, 3000)).toBe(true);
    const id2 = observer!.json("/request")[1]!.id as string;
    await confirm(id2, { id: id2, params: { rampS: 500 } });
    expect(await waitFor(() => observer!.json("/audit").some((e) => e.event === "refused"), 3000)).toBe(true);
    expect(observer!.json("/audit").find((e) => e.event === "refused")).toMatchObject({
      id: id2,
      code: "EA_COMMAND_LIMITS",
    });
    expect(observer!.on("/cmd")).toHaveLength(1);
  });

  it("a rejection, or no confirmation before the deadline, never sends", async () => {
    const { consumer: c, asset: a } = await start(withStop({ mode: "confirm", confirmTimeoutS: 0.5 }));
    c.onAdvice(critical(Date.now(), `s1.p1.step3.${prefix}-r`), a);
    c.onAdvice(critical(Date.now(), `s1.p1.step3.${prefix}-t`), a);
    expect(await waitFor(() => observer!.on("/request").length === 2, 3000)).toBe(true);
    const [r, t] = observer!.json("/request").map((x) => x.id as string);
    await confirm(r!, { id: r, decision: "reject", by: "bob" });
    expect(await waitFor(() => c.waiting() === 0, 3000)).toBe(true);
    await confirm(t!, { id: t }); // too late
    await sleep(300);
    expect(observer!.on("/cmd")).toEqual([]);
    const audit = observer!.json("/audit").map((e) => [e.id, e.event, e.code]);
    expect(audit).toEqual(
      expect.arrayContaining([
        [r, "rejected", "EA_COMMAND_REJECTED"],
        [t, "expired", "EA_COMMAND_CONFIRM_TIMEOUT"],
      ]),
    );
  });

  it("a command older than maxAgeS is never sent: not after a restart, not after a late confirmation", async () => {
    const actions = withStop({ mode: "auto", maxAgeS: 0.5 });
    const { asset: a } = await start(actions);
    const c1 = consumer!;
    port!.offline = true; // the broker is away: the command waits
    c1.onAdvice(critical(), a);
    await sleep(200);
    await c1.stop(1000);
    consumer = null;
    await sleep(500); // the agent is down past maxAgeS
    port!.offline = false;
    const c2 = makeConsumer({ dir: dir.dir, actions, mqtt: port, prefix });
    consumer = c2;
    await c2.start();
    expect(await waitFor(() => c2.waiting() === 0, 3000)).toBe(true);
    await sleep(200);
    expect(observer!.on("/cmd")).toEqual([]);
    expect(observer!.json("/audit")).toEqual([
      expect.objectContaining({ event: "expired", code: "EA_COMMAND_EXPIRED" }),
    ]);

    // an advice that is already stale when it arrives (replayed) is dropped as well
    c2.onAdvice(critical(Date.now() - 10_000, `s1.p1.step3.${prefix}-old`), a);
    expect(await waitFor(() => observer!.json("/audit").length === 2, 3000)).toBe(true);
    expect(observer!.on("/cmd")).toEqual([]);
  });

  it("a confirmation that comes after maxAgeS sends nothing, even within confirmTimeoutS", async () => {
    const { consumer: c, asset: a } = await start(
      withStop({ mode: "confirm", maxAgeS: 0.5, confirmTimeoutS: 60 }),
    );
    c.onAdvice(critical(), a);
    expect(await waitFor(() => observer!.on("/request").length === 1, 3000)).toBe(true);
    const id = observer!.json("/request")[0]!.id as string;
    await sleep(700);
    await confirm(id, { id });
    await sleep(300);
    expect(observer!.on("/cmd")).toEqual([]);
    expect(observer!.json("/audit").map((e) => e.event)).toEqual(["requested", "expired"]);
  });

  it("the rate limit allows at most 2 stops per hour per asset", async () => {
    const { consumer: c, asset: a } = await start(
      withStop({ mode: "auto", rateLimit: { max: 2, perS: 3600 } }),
    );
    for (const k of [1, 2, 3]) {
      c.onAdvice(critical(Date.now(), `s1.p1.step3.${prefix}-${k}`), a);
      expect(await waitFor(() => c.waiting() === 0, 3000)).toBe(true);
    }
    expect(observer!.on("/cmd")).toHaveLength(2);
    expect(observer!.json("/audit").map((e) => [e.event, e.code])).toEqual([
      ["sent", undefined],
      ["sent", undefined],
      ["refused", "EA_COMMAND_RATE_LIMITED"],
    ]);
  });

  it("an acknowledged command is done when the device echoes its id, and reported when it does not in time", async () => {
    const actions = withStop({
      mode: "auto",
      ack: { topic: "{prefix}/{site}/{asset}/cmd/ack", timeoutS: 0.5 },
    });
    const { consumer: c, asset: a } = await start(actions);
    let answer = true;
    const device = await Observer.connect(broker.url, `${prefix}/s1/p1/cmd`);
    device.client.on("message", (_t, p) => {
      const { id } = JSON.parse(p.toString()) as { id: string };
      if (answer)
        void device.client.publishAsync(`${prefix}/s1/p1/cmd/ack`, JSON.stringify({ id, ok: true }), {
          qos: 1,
        });
    });
    try {
      c.onAdvice(critical(Date.now(), `s1.p1.step3.${prefix}-a`), a);
      expect(await waitFor(() => observer!.json("/audit").some((e) => e.event === "acked"), 3000)).toBe(true);
      answer = false;
      c.onAdvice(critical(Date.now(), `s1.p1.step3.${prefix}-b`), a);
      expect(await waitFor(() => observer!.json("/audit").some((e) => e.event === "ack_timeout"), 3000)).toBe(
        true,
      );
      expect(observer!.json("/audit").map((e) => e.event)).toEqual(["sent", "acked", "sent", "ack_timeout"]);
    } finally {
      await device.close();
    }
  });
});
