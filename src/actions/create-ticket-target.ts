import type { TicketTargetConfig } from "../config/actions-schema.js";
import type { SecretSource } from "./http-auth.js";
import { JiraTarget } from "./jira-target.js";
import { ServiceNowTarget } from "./servicenow-target.js";
import type { TicketTarget } from "./ticket-target.js";
import { WebhookTarget } from "./webhook-target.js";

/** The ticket target for a fleet `ticketTargets.<name>` entry. Secrets are read at each request. */
export function createTicketTarget(
  name: string,
  cfg: TicketTargetConfig,
  secrets: SecretSource,
  agentId: string,
): TicketTarget {
  switch (cfg.type) {
    case "webhook":
      return new WebhookTarget(name, cfg, secrets, agentId);
    case "servicenow":
      return new ServiceNowTarget(name, cfg, secrets);
    case "jira":
      return new JiraTarget(name, cfg, secrets);
  }
}
