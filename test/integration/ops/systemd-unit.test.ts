import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../../helpers/agent-process.js";
import { tempDir } from "../../helpers/temp-dir.js";

const UNIT = join(ROOT, "scripts/edge-agent.service");
const INSTALL = join(ROOT, "scripts/install");
const BIN = join(ROOT, "bin/edge-agent.js");

/**
 * systemd-analyze is the one tool these tests do not require under CI=true: containers rarely
 * have systemd. Without it the verify test says so and is skipped; the other tests still run.
 */
const haveSystemdAnalyze = spawnSync("sh", ["-c", "command -v systemd-analyze"]).status === 0;
if (!haveSystemdAnalyze) {
  process.stderr.write(
    "systemd-analyze is not installed: the unit is not verified by systemd here (not required, even under CI)\n",
  );
}

function unitSettings(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

describe("the systemd unit and scripts/install", () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  function install(root: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync("bash", [INSTALL, "--root", root, "--bin", BIN], { encoding: "utf8", cwd: ROOT });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it.each([
    ["Type", "notify"],
    ["NotifyAccess", "main"],
    ["WatchdogSec", "30"],
    ["ExecReload", "/bin/kill -HUP $MAINPID"],
    ["Restart", "on-failure"],
    ["RestartPreventExitStatus", "78"],
    ["User", "edge-agent"],
    ["SupplementaryGroups", "dialout"],
    ["StateDirectory", "edge-agent"],
    ["ConfigurationDirectory", "edge-agent"],
    ["ProtectSystem", "strict"],
    ["ProtectHome", "yes"],
    ["NoNewPrivileges", "yes"],
    ["PrivateTmp", "yes"],
    ["LoadCredential", "mqtt-password:/etc/edge-agent/credentials/mqtt-password"],
    ["StandardOutput", "journal"],
  ])("the unit sets %s=%s", (key, value) => {
    expect(unitSettings(readFileSync(UNIT, "utf8")).get(key)).toEqual([value]);
  });

  it("the unit does not set MemoryDenyWriteExecute (Node's JIT needs writable code pages)", () => {
    expect(unitSettings(readFileSync(UNIT, "utf8")).has("MemoryDenyWriteExecute")).toBe(false);
  });

  it("install lays out /etc/edge-agent with a private credentials folder and a starter fleet file that validates", async () => {
    const root = dir.path("a");
    const r = install(root);
    expect(r.status, r.stderr).toBe(0);
    const etc = join(root, "etc/edge-agent");
    expect(statSync(etc).mode & 0o777).toBe(0o750);
    expect(statSync(join(etc, "credentials")).mode & 0o777).toBe(0o700);
    expect(statSync(join(etc, "credentials/mqtt-password")).mode & 0o777).toBe(0o600);
    const unit = readFileSync(join(root, "etc/systemd/system/edge-agent.service"), "utf8");
    expect(unitSettings(unit).get("ExecStart")).toEqual([`${BIN} run --config /etc/edge-agent/fleet.yaml`]);
    const v = await runCli(["validate", "--config", join(etc, "fleet.yaml")]);
    expect(v.stdout + v.stderr).toMatch(/OK/);
    expect(v.code).toBe(0);
  });

  it("install run again keeps an edited fleet file and credential", () => {
    const root = dir.path("b");
    expect(install(root).status).toBe(0);
    const fleet = join(root, "etc/edge-agent/fleet.yaml");
    const secret = join(root, "etc/edge-agent/credentials/mqtt-password");
    writeFileSync(fleet, "# edited by a person\n");
    writeFileSync(secret, "s3cret\n");
    expect(install(root).status).toBe(0);
    expect(readFileSync(fleet, "utf8")).toBe("# edited by a person\n");
    expect(readFileSync(secret, "utf8")).toBe("s3cret\n");
  });

  it("install without the unix-dgram addon adds NotifyAccess=all in a drop-in, and says why", () => {
    const root = dir.path("c");
    const r = install(root);
    const dropin = join(root, "etc/systemd/system/edge-agent.service.d/notify-access.conf");
    let haveAddon = true;
    try {
      createRequire(join(ROOT, "package.json")).resolve("unix-dgram");
    } catch {
      haveAddon = false;
    }
    if (haveAddon) {
      expect(() => statSync(dropin)).toThrow();
    } else {
      expect(readFileSync(dropin, "utf8")).toMatch(/^\[Service\]\nNotifyAccess=all$/m);
      expect(r.stdout).toMatch(/unix-dgram not found/);
    }
  });

  it.skipIf(!haveSystemdAnalyze)(
    "systemd-analyze verify accepts the installed unit without a warning",
    () => {
      const root = dir.path("d");
      expect(install(root).status).toBe(0);
      const unit = join(root, "etc/systemd/system/edge-agent.service");
      const r = spawnSync("systemd-analyze", ["verify", unit], { encoding: "utf8" });
      const aboutUs = r.stderr.split("\n").filter((l) => l.includes("edge-agent.service"));
      expect(aboutUs).toEqual([]);
      expect(r.status).toBe(0);
    },
  );
});
