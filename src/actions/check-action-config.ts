import type { ConfigIssue } from "../config/config-issue.js";
import type { LoadedConfig } from "../config/load-config.js";

/**
 * Cross-file checks the schemas cannot make: every ticket target a profile's rules name is
 * configured in the fleet's `ticketTargets`. One issue per profile file and target.
 */
export function checkActionConfig(
  config: Pick<LoadedConfig, "fleetFile" | "fleet" | "assets">,
): ConfigIssue[] {
  const known = new Set(Object.keys(config.fleet.ticketTargets));
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const a of config.assets) {
    a.profile.actions?.rules.forEach((r, ri) => {
      r.tickets.forEach((t, ti) => {
        const id = `${a.profileFile}\0${ri}\0${t}`;
        if (known.has(t) || seen.has(id)) return;
        seen.add(id);
        issues.push({
          file: a.profileFile,
          path: `actions.rules[${ri}].tickets[${ti}]`,
          message: `unknown ticket target "${t}" (the fleet file's ticketTargets has ${[...known].map((k) => `"${k}"`).join(", ") || "none"})`,
        });
      });
    });
  }
  return issues;
}
