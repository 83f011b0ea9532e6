import { describe, expect, it } from "vitest";
import { mqttSchema } from "../../../src/config/fleet-schema.js";
import { createLogger } from "../../../src/ops/logger.js";
import { MqttConnection } from "../../../src/sources/mqtt-connection.js";

function connection(mqtt: Record<string, unknown>): MqttConnection {
  return new MqttConnection({
    config: mqttSchema.parse(mqtt),
    baseDir: "/nonexistent-edge-agent-dir",
    clientId: "c",
    statusTopic: "s",
    statusPayload: () => "{}",
    log: createLogger({ level: "silent" }),
  });
}

describe("MQTT credentials and TLS settings that are refused before connecting", () => {
  it.each([
    [
      "a password over plain mqtt://",
      { url: "mqtt://b:1883", username: "u", password: { env: "HOME" } },
      "EA_MQTT_INSECURE_CREDENTIALS",
    ],
    ["a password inside a plain URL", { url: "mqtt://u:secret@b:1883" }, "EA_MQTT_INSECURE_CREDENTIALS"],
    ["TLS settings on a plain URL", { url: "mqtt://b:1883", tls: { caFile: "ca.pem" } }, "EA_MQTT_TLS_URL"],
    [
      "a CA file that cannot be read",
      { url: "mqtts://b:8883", tls: { caFile: "ca.pem" } },
      "EA_MQTT_TLS_FILE",
    ],
    [
      "a password secret that is not set",
      { url: "mqtts://b:8883", username: "u", password: { env: "EDGE_AGENT_NO_SUCH_VAR" } },
      "EA_SECRET_MISSING",
    ],
    [
      "a password file that is not there",
      { url: "mqtts://b:8883", username: "u", password: { file: "mqtt-password" } },
      "EA_SECRET_MISSING",
    ],
  ])("%s is refused with %s", (_what, mqtt, code) => {
    const c = connection(mqtt);
    let err: (Error & { code?: string }) | undefined;
    try {
      void c.start();
    } catch (e) {
      err = e as Error & { code?: string };
    }
    expect(err?.code).toBe(code);
    expect(c.state).not.toBe("connected");
  });

  it("names both files when a client certificate comes without its key", () => {
    const c = connection({ url: "mqtts://b:8883", tls: { certFile: "/etc/hostname" } });
    expect(() => c.start()).toThrow(
      /needs both mqtt\.tls\.certFile and mqtt\.tls\.keyFile \(only certFile is set\)/,
    );
  });

  it("sends a password over plain mqtt:// when the fleet file says so explicitly", async () => {
    const c = connection({
      url: "mqtt://127.0.0.1:1",
      username: "u",
      password: { env: "HOME" },
      allowInsecureCredentials: true,
    });
    expect(() => void c.start()).not.toThrow();
    await c.stop(200);
  });
});
