import type { z } from "zod";
import { type ConfigIssue, formatPath } from "./config-issue.js";

/** Every zod issue as a ConfigIssue, with a message that says what was expected. */
export function zodIssues(
  file: string,
  error: z.ZodError,
  prefix: readonly PropertyKey[] = [],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({ file, path: formatPath([...path, key]), message: "unknown key (check the spelling)" });
      }
    } else if (issue.code === "invalid_union" && "errors" in issue && Array.isArray(issue.errors)) {
      // Discriminated unions: report the discriminator problem plainly.
      out.push({ file, path: formatPath(path), message: issue.message });
    } else {
      out.push({ file, path: formatPath(path), message: issue.message });
    }
  }
  return out;
}
