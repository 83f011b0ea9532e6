import { existsSync } from "node:fs";
import type { InferenceSession } from "onnxruntime-node";
import type { LoadedModel } from "../inference/load-model.js";

/**
 * TEST-ONLY: with `EDGE_AGENT_TEST_WEDGE_FILE=/some/path` in the environment, every model's
 * `session.run` hangs (never resolves) while that file exists — an inference loop that is truly
 * stuck, as a native deadlock would leave it, so the watchdog's liveness check can be tested on a
 * real process. Without the variable the model is returned untouched (nothing on the hot path).
 */
export function wedgeableForTest(model: LoadedModel, env: NodeJS.ProcessEnv = process.env): LoadedModel {
  const file = env.EDGE_AGENT_TEST_WEDGE_FILE;
  if (file === undefined || file === "") return model;
  const session = model.session;
  const run = ((...args: Parameters<InferenceSession["run"]>) =>
    existsSync(file) ? new Promise<never>(() => {}) : session.run(...args)) as InferenceSession["run"];
  const wedgeable = new Proxy(session, {
    get(target, key) {
      if (key === "run") return run;
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return Object.freeze({ ...model, session: wedgeable });
}
