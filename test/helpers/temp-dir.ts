import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A temporary folder with files written from a map of relative path → content. */
export function tempDir(files: Record<string, string> = {}): {
  dir: string;
  path: (p: string) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), "edge-agent-test-"));
  for (const [p, content] of Object.entries(files)) {
    const f = join(dir, p);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, content);
  }
  return { dir, path: (p) => join(dir, p), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
