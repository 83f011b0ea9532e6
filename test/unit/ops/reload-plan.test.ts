import { describe, expect, it } from "vitest";
import type { LoadedConfig, ResolvedAsset } from "../../../src/config/load-config.js";
import { assetFingerprint, planReload } from "../../../src/ops/reload-plan.js";

function asset(key: string, profile: object, modelDir = "/models/step"): ResolvedAsset {
  const [site, a] = key.split("/") as [string, string];
  return {
    ref: { site, asset: a, key },
    profileName: "step",
    profileFile: "/p/step.yaml",
    profile: profile as never,
    modelDir,
  };
}

function config(assets: ResolvedAsset[], fleet: object = {}): LoadedConfig {
  return {
    fleetFile: "/etc/edge-agent/fleet.yaml",
    fleet: { agent: { id: "a" }, mqtt: { url: "mqtt://x" }, sites: [], ...fleet } as never,
    profilesDir: "/p",
    modelsDir: "/models",
    assets,
    disabled: [],
    profileIssues: [],
  };
}

const P1 = { windowing: { samples: 256 } };
const P2 = { windowing: { samples: 512 } };

function plan(
  before: ResolvedAsset[],
  after: ResolvedAsset[],
  changed: string[] = [],
  fleetAfter: object = {},
) {
  const cur = config(before);
  const running = new Map(before.map((a) => [a.ref.key, assetFingerprint(a)]));
  const loaded = new Set(before.map((a) => a.modelDir));
  const p = planReload(cur, running, loaded, config(after, fleetAfter), new Set(changed));
  return { ...p, build: p.build.map((a) => a.ref.key) };
}

describe("planning a reload", () => {
  it("keeps assets whose profile and model are unchanged, builds changed and new ones, drops removed ones", () => {
    expect(
      plan(
        [asset("s/a", P1), asset("s/b", P1), asset("s/c", P1)],
        [asset("s/a", P1), asset("s/b", P2), asset("s/d", P1)],
      ),
    ).toEqual({
      keep: ["s/a"],
      build: ["s/b", "s/d"],
      drop: ["s/c"],
      loadModels: [],
      retireModels: [],
      restartNeeded: [],
    });
  });

  it("rebuilds every asset of a model folder that changed on disk, loads it anew and retires the old one", () => {
    expect(
      plan(
        [asset("s/a", P1), asset("s/b", P1, "/models/other")],
        [asset("s/a", P1), asset("s/b", P1, "/models/other")],
        ["/models/step"],
      ),
    ).toMatchObject({
      keep: ["s/b"],
      build: ["s/a"],
      loadModels: ["/models/step"],
      retireModels: ["/models/step"],
    });
  });

  it("loads a model new to the fleet and retires one no asset uses any more", () => {
    expect(plan([asset("s/a", P1)], [asset("s/a", P1, "/models/v2")])).toMatchObject({
      build: ["s/a"],
      loadModels: ["/models/v2"],
      retireModels: ["/models/step"],
    });
  });

  it.each([
    [{ mqtt: { url: "mqtts://y" } }, ["mqtt"]],
    [{ topicPrefix: "plant" }, ["topicPrefix"]],
    [{ sites: [{ id: "other" }] }, []],
  ])("lists changed settings that need a restart: %j → %j", (fleetAfter, expected) => {
    expect(plan([asset("s/a", P1)], [asset("s/a", P1)], [], fleetAfter).restartNeeded).toEqual(expected);
  });
});
