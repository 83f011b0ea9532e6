import { describe, expect, it } from "vitest";
import { actionTopic, confirmFilter, parseConfirmTopic } from "../../../src/actions/action-mqtt.js";
import { mqttActionPort } from "../../../src/actions/mqtt-action-port.js";

describe("action topics", () => {
  it("builds request, confirm and audit topics under the asset", () => {
    expect(actionTopic("factory", "s1", "p1", "c-1", "request")).toBe("factory/s1/p1/actions/c-1/request");
    expect(confirmFilter("plant/line3")).toBe("plant/line3/+/+/actions/+/confirm");
  });

  it.each([
    {
      prefix: "factory",
      topic: "factory/s1/p1/actions/c-1/confirm",
      want: { site: "s1", asset: "p1", id: "c-1" },
    },
    {
      prefix: "plant/line3",
      topic: "plant/line3/s1/p1/actions/c-1/confirm",
      want: { site: "s1", asset: "p1", id: "c-1" },
    },
    { prefix: "factory", topic: "factory/s1/p1/actions/c-1/request", want: null },
    { prefix: "factory", topic: "factory/s1/p1/x/actions/c-1/confirm", want: null },
    { prefix: "factory", topic: "other/s1/p1/actions/c-1/confirm", want: null },
    { prefix: "factory", topic: "factory/s1//actions/c-1/confirm", want: null },
  ])("reads $topic (prefix $prefix) as $want", ({ prefix, topic, want }) => {
    expect(parseConfirmTopic(prefix, topic)).toEqual(want);
  });
});

describe("mqttActionPort", () => {
  it("forwards to the connection, adds (not replaces) a message handler, and is connected only when the connection is", () => {
    const calls: unknown[][] = [];
    const handlers: unknown[] = [];
    const conn = {
      state: "connecting",
      publish: (...a: unknown[]) => calls.push(["publish", ...a]),
      subscribe: (s: unknown) => calls.push(["subscribe", s]),
      addMessageHandler: (h: unknown) => handlers.push(h),
    };
    const port = mqttActionPort(conn);
    port.publish("t", "p", 1, false);
    port.subscribe([{ topic: "f", qos: 1 }]);
    const h = () => {};
    port.onMessage(h);
    expect(calls).toEqual([
      ["publish", "t", "p", 1, false],
      ["subscribe", [{ topic: "f", qos: 1 }]],
    ]);
    expect(handlers).toEqual([h]);
    expect(port.isConnected()).toBe(false);
    conn.state = "connected";
    expect(port.isConnected()).toBe(true);
  });
});
