import { checkActionConfig } from "../actions/check-action-config.js";
import { ConfigError, type ConfigIssue, formatIssue } from "../config/config-issue.js";
import { loadConfig } from "../config/load-config.js";
import { primaryChannel } from "../config/profile-schema.js";
import { checkFeatureSpecs } from "../features/registry.js";
import { checkProfileFit, loadModel, releaseModel } from "../inference/load-model.js";
import { EX_CONFIG, EX_OK } from "./exit-codes.js";

/**
 * `edge-agent validate --config FILE`: the fleet file, every profile it names and every model
 * those profiles name. Prints every problem with its file and path and returns 78, or prints a
 * summary and returns 0.
 */
export async function validateCommand(fleetFile: string, out: (line: string) => void): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(fleetFile);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const i of err.issues) out(formatIssue(i));
      out(`${err.issues.length} problem(s) found (${err.code})`);
      return EX_CONFIG;
    }
    throw err;
  }
  const issues: ConfigIssue[] = [...config.profileIssues, ...checkActionConfig(config)];
  const checkedModels = new Map<string, string[]>();
  for (const a of config.assets) {
    const p = a.profile;
    let problems = checkedModels.get(`${a.profileFile}\u0000${a.modelDir}`);
    if (problems === undefined) {
      problems = [];
      try {
        const model = await loadModel(a.modelDir);
        const features = p.model.features ?? model.manifest.input.features;
        const rate = p.channels[primaryChannel(p)]?.sampleRateHz;
        problems.push(
          ...checkProfileFit(
            model,
            p.model.features,
            p.windowing.type === "time" ? undefined : p.windowing.samples,
            rate,
          ),
          ...checkFeatureSpecs(
            features,
            { ...model.manifest.input.params, ...p.model.params },
            Object.keys(p.channels),
            model.manifest.input.sampleRateHz ?? rate,
          ),
        );
        await releaseModel(model);
      } catch (err) {
        const e = err as Error & { code?: string };
        problems.push(`${e.code ?? "EA_MODEL"}: ${e.message}`);
      }
      checkedModels.set(`${a.profileFile}\u0000${a.modelDir}`, problems);
      for (const m of problems) issues.push({ file: a.profileFile, path: "model", message: m });
    }
  }
  if (issues.length > 0) {
    for (const i of issues) out(formatIssue(i));
    const n = config.disabled.length;
    out(
      `${issues.length} problem(s) found${n > 0 ? `; ${n} asset(s) would be disabled` : ""} (EA_PROFILE_INVALID)`,
    );
    return EX_CONFIG;
  }
  const f = config.fleet;
  const profiles = [...new Set(config.assets.map((a) => a.profileName))];
  const models = [...new Set(config.assets.map((a) => a.profile.model.name))];
  out(
    `${fleetFile}: OK — agent "${f.agent.id}", ${f.sites.length} site(s), ${config.assets.length} asset(s); ` +
      `profiles: ${profiles.join(", ")}; models: ${models.join(", ")}; broker ${f.mqtt.url.replace(/\/\/[^@/]*@/, "//***@")}`,
  );
  return EX_OK;
}
