import { spawnSync } from "node:child_process";

/**
 * Whether a tool the tests need is on this machine. When it is missing the test says so; under
 * CI=true a missing tool is a failure, not a skip.
 */
export function haveTool(name: string): boolean {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).status === 0;
  if (!found) {
    const msg = `${name} is not installed: the tests that need it ${process.env.CI === "true" ? "FAIL (CI=true)" : "are skipped"} (apt-get install ${name})`;
    if (process.env.CI === "true") throw new Error(msg);
    process.stderr.write(`${msg}\n`);
  }
  return found;
}
