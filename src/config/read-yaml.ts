import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { ConfigIssue } from "./config-issue.js";

/** Reads a YAML file into plain data; unreadable files and syntax errors become issues with line numbers. */
export function readYaml(file: string): { data: unknown; issues: ConfigIssue[] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    return {
      data: undefined,
      issues: [{ file, path: "", message: `cannot read file (${code || String(err)})` }],
    };
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      data: undefined,
      issues: doc.errors.map((e) => {
        const at = e.linePos?.[0];
        const where = at ? `line ${at.line} column ${at.col}: ` : "";
        return { file, path: "", message: `YAML syntax: ${where}${e.message.split("\n")[0]}` };
      }),
    };
  }
  return { data: doc.toJS(), issues: [] };
}
