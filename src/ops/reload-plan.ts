import type { LoadedConfig, ResolvedAsset } from "../config/load-config.js";

/**
 * What a reload changes, worked out before anything is touched. An asset keeps its pipeline (its
 * window and advice state) when its resolved profile (overrides applied) and its model are the
 * same as before; otherwise it gets a new one. A model folder is loaded anew when it is new to the
 * agent or its files changed; the old session then drains what was queued for it and is released.
 * Settings that the running connection or stages were built from are not swapped live: a change
 * there is listed in `restartNeeded` and the running values stay.
 */

export interface ReloadPlan {
  /** Assets whose pipeline object stays as it is. */
  readonly keep: readonly string[];
  /** Assets that get a new pipeline (new to the fleet, profile changed, or model changed). */
  readonly build: readonly ResolvedAsset[];
  /** Assets no longer in the fleet (or now disabled). */
  readonly drop: readonly string[];
  /** Model folders to load (new, or changed on disk). */
  readonly loadModels: readonly string[];
  /** Loaded model folders to release after the switch (replaced or no longer used). */
  readonly retireModels: readonly string[];
  /** Top-level fleet settings that changed but need a restart to apply. */
  readonly restartNeeded: readonly string[];
}

/** Fleet keys applied by a reload; every other changed key needs a restart. */
const LIVE_KEYS = new Set(["sites", "profilesDir", "modelsDir"]);

/** The identity of a running asset: equal fingerprints mean its pipeline can stay. */
export function assetFingerprint(a: ResolvedAsset): string {
  return JSON.stringify({ profile: a.profile, modelDir: a.modelDir, profileName: a.profileName });
}

export function planReload(
  current: LoadedConfig,
  /** Assets running now, by key, with the fingerprint they were built from. */
  running: ReadonlyMap<string, string>,
  loadedModels: ReadonlySet<string>,
  next: LoadedConfig,
  /** Loaded model folders whose files changed on disk. */
  changedModels: ReadonlySet<string>,
): ReloadPlan {
  const keep: string[] = [];
  const build: ResolvedAsset[] = [];
  const nextKeys = new Set<string>();
  const neededModels = new Set<string>();
  for (const a of next.assets) {
    nextKeys.add(a.ref.key);
    neededModels.add(a.modelDir);
    const was = running.get(a.ref.key);
    if (was !== undefined && was === assetFingerprint(a) && !changedModels.has(a.modelDir))
      keep.push(a.ref.key);
    else build.push(a);
  }
  const drop = [...running.keys()].filter((k) => !nextKeys.has(k));
  const loadModels = [...neededModels].filter((d) => !loadedModels.has(d) || changedModels.has(d));
  const retireModels = [...loadedModels].filter((d) => !neededModels.has(d) || changedModels.has(d));
  return { keep, build, drop, loadModels, retireModels, restartNeeded: restartKeys(current, next) };
}

/** Top-level keys (and `ops.<key>`) of the fleet whose values differ, other than the live ones. */
export function restartKeys(current: LoadedConfig, next: LoadedConfig): string[] {
  const a = current.fleet as Record<string, unknown>;
  const b = next.fleet as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const k of keys) {
    if (LIVE_KEYS.has(k)) continue;
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(k);
  }
  return out.sort();
}

/** Whether the plan changes anything at all. */
export function planIsEmpty(p: ReloadPlan): boolean {
  return (
    p.build.length === 0 && p.drop.length === 0 && p.loadModels.length === 0 && p.retireModels.length === 0
  );
}

/** What `Agent.reload` did. */
export type ReloadOutcome =
  | {
      readonly applied: true;
      readonly kept: number;
      readonly built: number;
      readonly dropped: number;
      /** Models loaded by this reload, and those released (`name@version`). */
      readonly loaded: readonly string[];
      readonly released: readonly string[];
      /** Assets that stay disabled (their model or profile fit was already failing). */
      readonly stillDisabled: readonly string[];
      readonly restartNeeded: readonly string[];
    }
  | { readonly applied: false; readonly reason: string };
