import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, formatIssue } from "../../../src/config/config-issue.js";
import { loadConfig } from "../../../src/config/load-config.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { FLEET, MODEL_FILES, PROFILE } from "./fixtures.js";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function setup(files: Record<string, string>) {
  const t = tempDir(files);
  cleanup = t.cleanup;
  return t;
}

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe("loadConfig", () => {
  it("resolves every asset with its profile, applying per-asset overrides", () => {
    const t = setup({ "fleet.yaml": FLEET, "profiles/acme-vb4.yaml": PROFILE, ...MODEL_FILES });
    const c = loadConfig(t.path("fleet.yaml"), {});
    expect(c.assets.map((a) => a.ref.key)).toEqual(["s1/a1", "s1/a2"]);
    expect(c.assets[0]!.profile.model.params.shaftRpm).toBe(1797);
    expect(c.assets[1]!.profile.model.params.shaftRpm).toBe(1500);
    expect(c.assets[0]!.profile.advice.debounce).toEqual({ k: 3, n: 5 });
    expect(c.fleet.mqtt.url).toBe("mqtt://127.0.0.1:1883");
  });

  it("expands environment variables in the fleet file", () => {
    const t = setup({ "fleet.yaml": FLEET, "profiles/acme-vb4.yaml": PROFILE, ...MODEL_FILES });
    const c = loadConfig(t.path("fleet.yaml"), { MQTT_URL: "mqtt://broker:1999" });
    expect(c.fleet.mqtt.url).toBe("mqtt://broker:1999");
  });

  it("lists every mistake of a fleet file at once, each with its path", () => {
    const bad = `
agent: { id: "edge 1" }
mqtt: { url: "\${NOPE}", passwrd: x }
profilesDir: profiles
modelsDir: models
sites:
  - id: s1
    assets:
      - { id: a1, profile: acme-vb4 }
      - { id: a1, profile: acme-vb4 }
      - { id: a3, profile: acme-vb9 }
`;
    const t = setup({ "fleet.yaml": bad, "profiles/acme-vb4.yaml": PROFILE, ...MODEL_FILES });
    const issues = issuesOf(() => loadConfig(t.path("fleet.yaml"), {}));
    expect(issues).toEqual(
      expect.arrayContaining([
        "mqtt.url: environment variable NOPE is not set",
        expect.stringMatching(/^agent\.id: /),
        "mqtt.passwrd: unknown key (check the spelling)",
        expect.stringMatching(/^sites\[0\]\.assets\[1\]\.id: duplicate asset "s1\/a1"/),
      ]),
    );
    expect(issues.length).toBeGreaterThanOrEqual(4);
  });

  it("names an unknown profile with the asset's path", () => {
    const fleet = FLEET.replace("{ id: a2, profile: acme-vb4,", "{ id: a2, profile: acme-vb9,");
    const t = setup({ "fleet.yaml": fleet, "profiles/acme-vb4.yaml": PROFILE, ...MODEL_FILES });
    const issues = issuesOf(() => loadConfig(t.path("fleet.yaml"), {}));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^sites\[0\]\.assets\[1\]\.profile: unknown profile "acme-vb9"/);
  });

  it("formats an issue as file: path: message", () => {
    const t = setup({
      "fleet.yaml": FLEET.replace("acme-vb4 }", "acme-vb9 }"),
      "profiles/acme-vb4.yaml": PROFILE,
    });
    try {
      loadConfig(t.path("fleet.yaml"), {});
      expect.unreachable();
    } catch (err) {
      const line = formatIssue((err as ConfigError).issues[0]!);
      expect(line).toMatch(/fleet\.yaml: sites\[0\]\.assets\[0\]\.profile: unknown profile "acme-vb9"/);
    }
  });

  it("disables only the assets of an invalid profile and reports its problems", () => {
    const fleet = `${FLEET}
  - id: s2
    assets:
      - { id: b1, profile: broken }
`;
    const broken = PROFILE.replace("samples: 1024", "samples: -4").replace(
      "severity: warning",
      "severity: dire",
    );
    const t = setup({
      "fleet.yaml": fleet,
      "profiles/acme-vb4.yaml": PROFILE,
      "profiles/broken.yaml": broken,
      ...MODEL_FILES,
    });
    const c = loadConfig(t.path("fleet.yaml"), {});
    expect(c.assets.map((a) => a.ref.key)).toEqual(["s1/a1", "s1/a2"]);
    expect(c.disabled.map((d) => d.ref.key)).toEqual(["s2/b1"]);
    const paths = c.profileIssues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(["windowing.samples", "advice.classes.outer_race.severity"]),
    );
  });

  it("reports an override that breaks the profile at the override's path in the fleet file", () => {
    const fleet = FLEET.replace("shaftRpm: 1500", "shaftRpm: -3");
    const t = setup({ "fleet.yaml": fleet, "profiles/acme-vb4.yaml": PROFILE, ...MODEL_FILES });
    const issues = issuesOf(() => loadConfig(t.path("fleet.yaml"), {}));
    expect(issues).toEqual([
      expect.stringMatching(/^sites\[0\]\.assets\[1\]\.overrides\.model\.params\.shaftRpm: /),
    ]);
  });

  it("reports YAML syntax errors with their line", () => {
    const t = setup({ "fleet.yaml": "agent: { id: x\nmqtt: [" });
    const issues = issuesOf(() => loadConfig(t.path("fleet.yaml"), {}));
    expect(issues[0]).toMatch(/YAML syntax: line \d+/);
  });

  it("disables the assets of a profile whose model folder is missing", () => {
    const t = setup({ "fleet.yaml": FLEET, "profiles/acme-vb4.yaml": PROFILE });
    const c = loadConfig(t.path("fleet.yaml"), {});
    expect(c.assets).toHaveLength(0);
    expect(c.disabled).toHaveLength(2);
    expect(c.profileIssues[0]?.path).toBe("model.name");
  });
});
