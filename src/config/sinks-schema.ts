import { z } from "zod";

/** Fleet `influx:` and `store:` sections. Owned by the sinks stage. */
export const fleetSinksSchema = {
  influx: z.strictObject({}).passthrough().optional(),
  store: z.strictObject({}).passthrough().optional(),
};
