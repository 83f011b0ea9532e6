import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mqttSchema } from "../../../src/config/fleet-schema.js";
import { createLogger } from "../../../src/ops/logger.js";
import { MqttConnection } from "../../../src/sources/mqtt-connection.js";
import { waitFor } from "../../helpers/collect.js";
import { Mosquitto } from "../../helpers/mosquitto.js";
import { haveTool } from "../../helpers/required-tool.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { makeCerts, type TestCerts } from "../../fixtures/ops/make-certs.js";

/**
 * MQTT over TLS against a real Mosquitto with certificates made by openssl here: a listener that
 * requires a client certificate (its CN is the user name), and one with user names, passwords and
 * ACLs from Mosquitto's dynamic-security plugin. (Mosquitto's plain acl_file never refuses a
 * SUBSCRIBE — it filters at delivery — so a refusal the client can see needs the plugin.)
 */

type Line = { level: number; msg: string } & Record<string, unknown>;

function capture(): { log: ReturnType<typeof createLogger>; lines: Line[] } {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split("\n")) if (l) lines.push(JSON.parse(l) as Line);
      cb();
    },
  });
  return { log: createLogger({ level: "info", destination }), lines };
}

/** The dynamic-security plugin shipped with Debian's mosquitto package. */
const DYNSEC = [
  `/usr/lib/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu/mosquitto_dynamic_security.so`,
  "/usr/lib/mosquitto_dynamic_security.so",
].find((f) => existsSync(f));

/** A dynsec config: user edge-agent/s3cret may subscribe to factory/s1/+/vibration only. */
function dynsecConfig(file: string): void {
  const made = spawnSync("mosquitto_ctrl", ["dynsec", "init", file, "edge-agent", "s3cret"], {
    encoding: "utf8",
  });
  if (made.status !== 0) throw new Error(made.stderr);
  const cfg = JSON.parse(readFileSync(file, "utf8")) as { roles: { acls: unknown[] }[] };
  cfg.roles[0]!.acls = [
    { acltype: "publishClientSend", topic: "factory/#", allow: true },
    { acltype: "subscribePattern", topic: "factory/s1/+/vibration", allow: true },
  ];
  writeFileSync(file, JSON.stringify(cfg));
}

describe.skipIf(!haveTool("mosquitto") || !haveTool("openssl") || !haveTool("mosquitto_ctrl"))(
  "MQTT over TLS against a real Mosquitto",
  () => {
    const dir = tempDir();
    let certs: TestCerts;
    let certBroker: Mosquitto;
    let dynBroker: Mosquitto;
    const conns: MqttConnection[] = [];

    beforeAll(async () => {
      if (DYNSEC === undefined)
        throw new Error("mosquitto_dynamic_security.so not found (it comes with Debian's mosquitto)");
      certs = makeCerts(dir.dir);
      const tls = [`cafile ${certs.ca}`, `certfile ${certs.serverCert}`, `keyfile ${certs.serverKey}`];
      certBroker = await Mosquitto.start(
        [...tls, "require_certificate true", "use_identity_as_username true"].join("\n"),
      );
      dynsecConfig(dir.path("dynsec.json"));
      dynBroker = await Mosquitto.start(
        [...tls, `plugin ${DYNSEC}`, `plugin_opt_config_file ${dir.path("dynsec.json")}`].join("\n"),
      );
    });
    afterAll(async () => {
      await certBroker.close();
      await dynBroker.close();
      dir.cleanup();
    });
    afterEach(async () => {
      for (const c of conns.splice(0)) await c.stop(500);
    });

    function connection(
      port: number,
      mqtt: Record<string, unknown>,
      log: ReturnType<typeof createLogger>,
    ): MqttConnection {
      const c = new MqttConnection({
        config: mqttSchema.parse({
          url: `mqtts://127.0.0.1:${port}`,
          reconnect: { minMs: 200, maxMs: 1000 },
          ...mqtt,
        }),
        baseDir: dir.dir,
        clientId: `tls-${conns.length}-${Date.now()}`,
        statusTopic: "factory/agent/tls/status",
        statusPayload: () => '{"state":"online"}',
        log,
      });
      conns.push(c);
      return c;
    }

    it("connects with a valid client certificate and the right CA", async () => {
      const { log, lines } = capture();
      const c = connection(
        certBroker.port,
        { tls: { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey } },
        log,
      );
      void c.start();
      expect(await c.whenConnected(5000)).toBe(true);
      expect(c.state).toBe("connected");
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    });

    it("refuses a broker whose certificate is not signed by the configured CA, with an error that says so", async () => {
      const { log, lines } = capture();
      const c = connection(
        certBroker.port,
        { tls: { caFile: certs.otherCa, certFile: certs.clientCert, keyFile: certs.clientKey } },
        log,
      );
      void c.start();
      expect(await waitFor(() => lines.some((l) => l.level === 50), 5000)).toBe(true);
      const err = lines.find((l) => l.level === 50)!;
      expect(err.msg).toMatch(
        /^MQTT TLS: the broker's certificate was not accepted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT_LOCALLY))\): check mqtt\.tls\.caFile/,
      );
      expect(c.state).not.toBe("connected");
      // One line for a repeating fault, not one per retry.
      await new Promise((r) => setTimeout(r, 1200));
      expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
      expect(c.lastError).toMatch(/certificate/);
    });

    it("is refused without a client certificate where the broker requires one", async () => {
      const { log, lines } = capture();
      const c = connection(certBroker.port, { tls: { caFile: certs.ca } }, log);
      void c.start();
      expect(await waitFor(() => c.lastError !== "", 5000)).toBe(true);
      expect(await c.whenConnected(1000)).toBe(false);
      const err = lines.find((l) => l.level === 50);
      expect(err?.msg).toMatch(/^MQTT TLS: the broker refused our client certificate/);
    });

    it.each([
      [4, 0x80, "0x80"],
      [5, 0x87, "0x87 Not authorized"],
    ] as const)(
      "with MQTT %i, a subscription the ACL denies is logged as refused (SUBACK reason %s)",
      async (protocolVersion, code, _name) => {
        const { log, lines } = capture();
        writeFileSync(dir.path("mqtt-password"), "s3cret\n");
        const c = connection(
          dynBroker.port,
          {
            protocolVersion,
            username: "edge-agent",
            password: { file: "mqtt-password" },
            tls: { caFile: certs.ca },
          },
          log,
        );
        c.subscribe([
          { topic: "factory/s1/+/vibration", qos: 1 },
          { topic: "secret/#", qos: 1 },
        ]);
        void c.start();
        expect(await c.whenConnected(5000)).toBe(true);
        expect(
          await waitFor(
            () => lines.some((l) => l.msg.startsWith("MQTT subscription refused by the broker")),
            5000,
          ),
        ).toBe(true);
        const refused = lines.find((l) => l.msg.startsWith("MQTT subscription refused by the broker"))!;
        expect(refused.level).toBe(50);
        expect(refused.denied).toEqual(["secret/#"]);
        expect(refused.reasonCodes).toEqual([1, code]);
        expect(c.stats.subscribeErrors).toBe(1);
      },
    );

    it("logs in with a user name and a password read from a file, over TLS", async () => {
      writeFileSync(dir.path("mqtt-password"), "s3cret\n");
      const { log } = capture();
      const c = connection(
        dynBroker.port,
        { username: "edge-agent", password: { file: "mqtt-password" }, tls: { caFile: certs.ca } },
        log,
      );
      void c.start();
      expect(await c.whenConnected(5000)).toBe(true);
    });

    it("says the broker refused a wrong password, at error level", async () => {
      writeFileSync(dir.path("wrong-password"), "nope\n");
      const { log, lines } = capture();
      const c = connection(
        dynBroker.port,
        { username: "edge-agent", password: { file: "wrong-password" }, tls: { caFile: certs.ca } },
        log,
      );
      void c.start();
      expect(await waitFor(() => lines.some((l) => l.level === 50), 5000)).toBe(true);
      expect(lines.find((l) => l.level === 50)!.msg).toMatch(
        /^MQTT broker refused the connection: bad user name or password/,
      );
    });
  },
);
