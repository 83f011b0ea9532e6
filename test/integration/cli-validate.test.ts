import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/agent-process.js";
import { STEP_PROFILE, writeStepModel } from "../helpers/step-model.js";
import { tempDir } from "../helpers/temp-dir.js";

const GOOD = `
agent: { id: edge-1 }
mqtt: { url: "mqtt://127.0.0.1:1" }
profilesDir: profiles
modelsDir: models
sites:
  - id: s1
    assets:
      - { id: a1, profile: step }
      - { id: a2, profile: step }
`;

const BAD = `
agent: { id: "edge 1" }
mqtt: { url: "mqtt://127.0.0.1:1", passwrd: secret, reconnect: { minMs: -5 } }
topicPrefix: "factory/#"
profilesDir: profiles
modelsDir: models
sites:
  - id: s1
    assets:
      - { id: a1, profile: step }
      - { id: a1, profile: step }
      - { id: a3, profile: acme-vb9 }
`;

describe("edge-agent validate", () => {
  let dir: ReturnType<typeof tempDir>;
  beforeAll(() => {
    dir = tempDir({
      "good.yaml": GOOD,
      "bad.yaml": BAD,
      "profiles/step.yaml": STEP_PROFILE,
      "broken-profile.yaml": GOOD.replace(/profile: step/g, "profile: broken"),
      "profiles/broken.yaml": STEP_PROFILE.replace("samples: 256, gap", "samples: 0, gap").replace(
        "k: 3",
        "k: 9",
      ),
    });
    writeStepModel(dir.path("models"));
  });
  afterAll(() => dir.cleanup());

  it("prints every mistake of a fleet file with its file and path and exits 78", async () => {
    const r = await runCli(["validate", "--config", dir.path("bad.yaml")]);
    expect(r.code).toBe(78);
    const lines = r.stdout.trim().split("\n");
    for (const want of [
      /bad\.yaml: agent\.id: /,
      /bad\.yaml: mqtt\.passwrd: unknown key/,
      /bad\.yaml: mqtt\.reconnect\.minMs: /,
      /bad\.yaml: topicPrefix: no MQTT wildcards/,
      /bad\.yaml: sites\[0\]\.assets\[1\]\.id: duplicate asset "s1\/a1"/,
    ]) {
      expect(
        lines.some((l) => want.test(l)),
        `${want} in\n${r.stdout}`,
      ).toBe(true);
    }
    expect(lines.at(-1)).toMatch(/^5 problem\(s\) found \(EA_CONFIG_INVALID\)$/);
  });

  it("names an unknown profile once the file itself is well-formed", async () => {
    const unknown = GOOD.replace("{ id: a2, profile: step }", "{ id: a2, profile: acme-vb9 }");
    const d2 = tempDir({ "fleet.yaml": unknown, "profiles/step.yaml": STEP_PROFILE });
    writeStepModel(d2.path("models"));
    const r2 = await runCli(["validate", "--config", d2.path("fleet.yaml")]);
    d2.cleanup();
    expect(r2.code).toBe(78);
    expect(r2.stdout).toMatch(/fleet\.yaml: sites\[0\]\.assets\[1\]\.profile: unknown profile "acme-vb9"/);
  });

  it("lists a profile's problems with the profile's file and exits 78", async () => {
    const r = await runCli(["validate", "--config", dir.path("broken-profile.yaml")]);
    expect(r.code).toBe(78);
    expect(r.stdout).toMatch(/profiles\/broken\.yaml: windowing\.samples: /);
    expect(r.stdout).toMatch(/profiles\/broken\.yaml: advice\.debounce\.k: k must not exceed n/);
    expect(r.stdout).toMatch(/2 asset\(s\) would be disabled/);
  });

  it("prints a summary and exits 0 for a good fleet file", async () => {
    const r = await runCli(["validate", "--config", dir.path("good.yaml")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/OK — agent "edge-1", 1 site\(s\), 2 asset\(s\); profiles: step; models: step/);
  });
});
