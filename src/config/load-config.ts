import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AssetRef } from "../types.js";
import { type ConfigIssue, ConfigError } from "./config-issue.js";
import { deepMerge } from "./deep-merge.js";
import { expandEnv } from "./env-expand.js";
import { type Fleet, fleetSchema } from "./fleet-schema.js";
import { type Profile, profileSchema } from "./profile-schema.js";
import { readYaml } from "./read-yaml.js";
import { zodIssues } from "./zod-issues.js";

/** Folders shipped with the agent (the package root is two levels above this file in src/ and dist/). */
const packageRoot = fileURLToPath(new URL("../../", import.meta.url));
export const SHIPPED_PROFILES_DIR = join(packageRoot, "device-profiles");
export const SHIPPED_MODELS_DIR = join(packageRoot, "models");

/** An asset with its profile resolved (overrides applied) and ready to run. */
export interface ResolvedAsset {
  readonly ref: AssetRef;
  readonly profileName: string;
  readonly profileFile: string;
  readonly profile: Profile;
  /** Folder of the model the profile names. */
  readonly modelDir: string;
}

export interface LoadedConfig {
  readonly fleetFile: string;
  readonly fleet: Fleet;
  readonly profilesDir: string;
  readonly modelsDir: string;
  readonly assets: readonly ResolvedAsset[];
  /** Assets left out because their profile is invalid (each with the profile's issues). */
  readonly disabled: readonly { readonly ref: AssetRef; readonly profileName: string }[];
  /** Issues of invalid profiles: they disable their assets but do not stop start-up. */
  readonly profileIssues: readonly ConfigIssue[];
}

/**
 * Loads and validates a fleet file and the profiles it names. Problems of the fleet file itself
 * (including unknown profiles and bad overrides) throw a ConfigError listing all of them; an
 * invalid profile only disables the assets that use it (reported in `profileIssues`).
 */
export function loadConfig(fleetFile: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const file = resolve(fleetFile);
  const { data, issues: readIssues } = readYaml(file);
  if (readIssues.length > 0) throw new ConfigError("EA_CONFIG_INVALID", readIssues);

  const envProblems: { path: string; message: string }[] = [];
  const expanded = expandEnv(data, env, envProblems);
  const issues: ConfigIssue[] = envProblems.map((p) => ({ file, ...p }));
  const parsed = fleetSchema.safeParse(expanded);
  if (!parsed.success)
    throw new ConfigError("EA_CONFIG_INVALID", [...issues, ...zodIssues(file, parsed.error)]);
  const fleet = parsed.data;

  const baseDir = dirname(file);
  const profilesDir = fleet.profilesDir ? resolve(baseDir, fleet.profilesDir) : SHIPPED_PROFILES_DIR;
  const modelsDir = fleet.modelsDir ? resolve(baseDir, fleet.modelsDir) : SHIPPED_MODELS_DIR;
  if (!existsSync(profilesDir)) {
    issues.push({ file, path: "profilesDir", message: `folder ${profilesDir} does not exist` });
  }

  const profiles = new Map<string, { file: string; raw: unknown; profile?: Profile }>();
  const profileIssues: ConfigIssue[] = [];
  const assets: ResolvedAsset[] = [];
  const disabled: { ref: AssetRef; profileName: string }[] = [];

  fleet.sites.forEach((site, si) => {
    site.assets.forEach((a, ai) => {
      const at = `sites[${si}].assets[${ai}]`;
      const ref: AssetRef = { site: site.id, asset: a.id, key: `${site.id}/${a.id}` };
      let entry = profiles.get(a.profile);
      if (entry === undefined) {
        const pfile = join(profilesDir, `${a.profile}.yaml`);
        if (!existsSync(pfile)) {
          issues.push({
            file,
            path: `${at}.profile`,
            message: `unknown profile "${a.profile}" (no ${pfile})`,
          });
          return;
        }
        entry = loadProfile(pfile, profileIssues);
        profiles.set(a.profile, entry);
      }
      if (!a.enabled) return;
      if (entry.profile === undefined) {
        disabled.push({ ref, profileName: a.profile });
        return;
      }
      let profile = entry.profile;
      if (a.overrides !== undefined) {
        const merged = profileSchema.safeParse(deepMerge(entry.raw, a.overrides));
        if (!merged.success) {
          issues.push(...zodIssues(file, merged.error, ["sites", si, "assets", ai, "overrides"]));
          return;
        }
        profile = merged.data;
      }
      const modelDir = resolve(modelsDir, profile.model.name);
      if (!existsSync(join(modelDir, "manifest.json"))) {
        const issue = { file: entry.file, path: "model.name", message: `no model folder ${modelDir}` };
        if (!profileIssues.some((i) => i.file === issue.file && i.path === issue.path))
          profileIssues.push(issue);
        disabled.push({ ref, profileName: a.profile });
        return;
      }
      assets.push({ ref, profileName: a.profile, profileFile: entry.file, profile, modelDir });
    });
  });

  if (issues.length > 0) throw new ConfigError("EA_CONFIG_INVALID", issues);
  return Object.freeze({ fleetFile: file, fleet, profilesDir, modelsDir, assets, disabled, profileIssues });
}

function loadProfile(file: string, out: ConfigIssue[]): { file: string; raw: unknown; profile?: Profile } {
  const { data, issues } = readYaml(file);
  if (issues.length > 0) {
    out.push(...issues);
    return { file, raw: data };
  }
  const parsed = profileSchema.safeParse(data);
  if (!parsed.success) {
    out.push(...zodIssues(file, parsed.error));
    return { file, raw: data };
  }
  return { file, raw: data, profile: parsed.data };
}
