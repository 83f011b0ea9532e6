import { z } from "zod";

/**
 * Action rules (profile `actions:`) and the outbox, ticket targets and actuation settings
 * (fleet `outbox:`, `ticketTargets:`). Owned by the actions stage.
 */

/** Profile: which actions an advice class and severity trigger. */
export const profileActionsSchema = z.strictObject({}).passthrough().optional();

/** Fleet: outbox, ticket targets, actuation. */
export const fleetActionsSchema = {
  outbox: z.strictObject({}).passthrough().optional(),
  ticketTargets: z.record(z.string(), z.unknown()).optional(),
};
