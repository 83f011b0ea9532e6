import { z } from "zod";
import { SEVERITIES } from "../types.js";

/**
 * Action rules and named actuator commands (profile `actions:`), and the outbox, ticket targets
 * and actuation ceiling (fleet `outbox:`, `ticketTargets:`, `actuation:`). Owned by the actions
 * stage. Commands are an allow-list: only what is named here can ever be sent.
 */

const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '_', '.' or '-'");
const severity = z.enum(SEVERITIES);

/** Same shape as fleet-schema's secretSchema (kept here: fleet-schema imports this file). */
const secret = z.union([
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ file: z.string().min(1) }),
]);

/** Placeholders a command template may use besides its own parameters. */
export const BUILTIN_PLACEHOLDERS = [
  "id",
  "command",
  "site",
  "asset",
  "fault",
  "severity",
  "episodeId",
  "issuedAtMs",
  "expiresAtMs",
] as const;

export const ACTION_MODES = ["advise", "confirm", "auto"] as const;
export type ActionMode = (typeof ACTION_MODES)[number];

/** A numeric template parameter and the limits its value must stay within. */
const paramSchema = z
  .strictObject({
    min: z.number().finite(),
    max: z.number().finite(),
    default: z.number().finite().optional(),
    integer: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    if (p.min > p.max) ctx.addIssue({ code: "custom", path: ["max"], message: "max must not be below min" });
    if (p.default !== undefined) {
      const bad = paramValueProblem(p, p.default);
      if (bad !== null) ctx.addIssue({ code: "custom", path: ["default"], message: bad });
    }
  });
export type CommandParam = z.infer<typeof paramSchema>;

const topicPattern = z
  .string()
  .min(1)
  .regex(/^[^#+]+$/, "a command topic is one topic, without MQTT wildcards");

const mqttCommandTransport = z.strictObject({
  type: z.literal("mqtt"),
  /** Placeholders `{prefix}`, `{site}`, `{asset}`. */
  topic: topicPattern,
  /** Template: `{{param}}` and built-ins (`{{id}}`, `{{asset}}`, `{{expiresAtMs}}`, …). */
  payload: z.string().max(64 * 1024),
  qos: z.union([z.literal(0), z.literal(1)]).default(1),
});

const serialCommandTransport = z.strictObject({
  type: z.literal("serial"),
  /** The serial port (source) that owns the line. */
  port: z.string().min(1),
  /** Frame template (utf8), or hex bytes without placeholders (`encoding: hex`). */
  frame: z.string().min(1).max(4096),
  encoding: z.enum(["utf8", "hex"]).default("utf8"),
});

export const commandSchema = z.strictObject({
  description: z.string().optional(),
  transport: z.discriminatedUnion("type", [mqttCommandTransport, serialCommandTransport]),
  params: z.record(name, paramSchema).default({}),
  /** `advise` never sends; `confirm` waits for a person's confirmation; `auto` sends. */
  mode: z.enum(ACTION_MODES).default("advise"),
  /** A command not sent within this long after its advice is dropped, never sent late. */
  maxAgeS: z.number().positive().default(300),
  /** `confirm` mode: how long a request waits for its confirmation. */
  confirmTimeoutS: z.number().positive().default(300),
  /** At most `max` sends of this command per asset in any `perS` seconds. */
  rateLimit: z.strictObject({ max: z.number().int().positive(), perS: z.number().positive() }).optional(),
  /** The device acknowledges on this topic with `{"id": "<command id>"}` within `timeoutS`. */
  ack: z.strictObject({ topic: topicPattern, timeoutS: z.number().positive().default(10) }).optional(),
});
export type CommandConfig = z.infer<typeof commandSchema>;

const commandRef = z.union([
  name,
  z.strictObject({ name, params: z.record(name, z.number().finite()).default({}) }),
]);

export const actionRuleSchema = z.strictObject({
  /** Advice class(es) the rule is for; omitted: every fault class. */
  class: z.union([name, z.array(name).min(1)]).optional(),
  /** The rule applies from this severity up (default: any fault). */
  minSeverity: severity.default("info"),
  /** Ticket targets (fleet `ticketTargets`) to open a ticket on. */
  tickets: z.array(name).default([]),
  /** Named commands (below) to send, each with parameter values. */
  commands: z.array(commandRef).default([]),
});
export type ActionRule = z.infer<typeof actionRuleSchema>;

/** Profile: which actions an advice class and severity trigger. */
export const profileActionsSchema = z
  .strictObject({
    rules: z.array(actionRuleSchema).default([]),
    commands: z.record(name, commandSchema).default({}),
  })
  .superRefine((a, ctx) => {
    for (const [cname, c] of Object.entries(a.commands)) checkCommand(cname, c, ctx);
    a.rules.forEach((r, ri) => {
      r.commands.forEach((ref, ci) => {
        const path = ["rules", ri, "commands", ci];
        const cname = typeof ref === "string" ? ref : ref.name;
        const c = a.commands[cname];
        if (c === undefined) {
          ctx.addIssue({
            code: "custom",
            path,
            message: `unknown command "${cname}" (not under actions.commands)`,
          });
          return;
        }
        const given = typeof ref === "string" ? {} : ref.params;
        for (const [p, v] of Object.entries(given)) {
          const spec = c.params[p];
          const bad = spec === undefined ? `"${cname}" has no parameter "${p}"` : paramValueProblem(spec, v);
          if (bad !== null) ctx.addIssue({ code: "custom", path: [...path, "params", p], message: bad });
        }
        for (const [p, spec] of Object.entries(c.params)) {
          if (spec.default === undefined && given[p] === undefined) {
            ctx.addIssue({
              code: "custom",
              path,
              message: `parameter "${p}" of "${cname}" has no value (give one or a default)`,
            });
          }
        }
      });
    });
  })
  .optional();
export type ProfileActions = NonNullable<z.infer<typeof profileActionsSchema>>;

function checkCommand(cname: string, c: CommandConfig, ctx: z.RefinementCtx): void {
  const path = ["commands", cname];
  const t = c.transport;
  const template = t.type === "mqtt" ? t.payload : t.frame;
  const known = new Set<string>([...BUILTIN_PLACEHOLDERS, ...Object.keys(c.params)]);
  const used = placeholders(template);
  for (const p of used) {
    if (!known.has(p)) {
      ctx.addIssue({ code: "custom", path: [...path, "transport"], message: `unknown placeholder {{${p}}}` });
    }
  }
  if (t.type === "serial" && t.encoding === "hex") {
    if (used.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "transport", "frame"],
        message: "a hex frame takes no placeholders",
      });
    } else if (!/^([0-9a-fA-F]{2}\s*)+$/.test(t.frame.trim())) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "transport", "frame"],
        message: 'expected hex bytes, e.g. "01 06 00 10"',
      });
    }
  }
  if (c.ack !== undefined && !used.includes("id")) {
    ctx.addIssue({
      code: "custom",
      path: [...path, "ack"],
      message: "an acknowledged command must carry {{id}} in its payload (the device echoes it)",
    });
  }
}

/** Names inside `{{…}}` in a template. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)].map((m) => m[1]!);
}

/** Why a value does not fit a parameter's limits, or null when it does. */
export function paramValueProblem(p: CommandParam, v: number): string | null {
  if (!Number.isFinite(v)) return `expected a finite number, found ${v}`;
  if (p.integer && !Number.isInteger(v)) return `expected an integer, found ${v}`;
  if (v < p.min || v > p.max) return `expected ${p.min} to ${p.max}, found ${v}`;
  return null;
}

// ---- fleet ---------------------------------------------------------------------------------

const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, "expected an http:// or https:// URL");

const auth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("basic"), username: z.string().min(1), password: secret }),
  z.strictObject({ type: z.literal("bearer"), token: secret }),
]);

const httpCommon = {
  url: httpUrl,
  timeoutMs: z.number().int().positive().max(300_000).default(10_000),
  /** Extra (non-secret) request headers. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Credentials over http:// are refused unless this is true (a trusted test bench). */
  allowInsecureCredentials: z.boolean().default(false),
};

const webhookTarget = z.strictObject({
  type: z.literal("webhook"),
  ...httpCommon,
  /** HMAC-SHA256 key: the body is signed in `signatureHeader` as `sha256=<hex>`. */
  secret: secret.optional(),
  signatureHeader: z.string().min(1).default("X-Signature-256"),
  /** CloudEvents `source`; default `edge-agent/<agent id>`. */
  source: z.string().min(1).optional(),
});

const servicenowTarget = z.strictObject({
  type: z.literal("servicenow"),
  ...httpCommon,
  auth,
  /** Extra incident fields, e.g. `assignment_group`, `category`, `cmdb_ci`. */
  fields: z.record(z.string(), z.string()).default({}),
  closeCode: z.string().min(1).default("Solved (Permanently)"),
});

const jiraTarget = z.strictObject({
  type: z.literal("jira"),
  ...httpCommon,
  auth,
  apiVersion: z.union([z.literal(2), z.literal(3)]).default(2),
  /** `cloud` searches with `/search/jql`; `datacenter` with `/search`. */
  deployment: z.enum(["cloud", "datacenter"]).default("cloud"),
  project: z.string().min(1),
  issueType: z.string().min(1).default("Task"),
  labels: z.array(z.string().regex(/^\S+$/, "labels have no spaces")).default([]),
  /** Name of the transition that resolves an issue. */
  resolveTransition: z.string().min(1).default("Done"),
  /** Jira priority name per advice severity, e.g. `{ critical: Highest }`. */
  priorities: z.partialRecord(severity, z.string().min(1)).default({}),
});

export const ticketTargetSchema = z
  .discriminatedUnion("type", [webhookTarget, servicenowTarget, jiraTarget])
  .superRefine((t, ctx) => {
    // A webhook's HMAC key never leaves the agent; the other targets send their credentials.
    if (t.type !== "webhook" && t.url.startsWith("http://") && !t.allowInsecureCredentials) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message: "credentials over http:// are refused: use https://, or set allowInsecureCredentials: true",
      });
    }
  });
export type TicketTargetConfig = z.infer<typeof ticketTargetSchema>;
export type WebhookTargetConfig = Extract<TicketTargetConfig, { type: "webhook" }>;
export type ServiceNowTargetConfig = Extract<TicketTargetConfig, { type: "servicenow" }>;
export type JiraTargetConfig = Extract<TicketTargetConfig, { type: "jira" }>;

export const outboxSchema = z.strictObject({
  /** SQLite file, relative to the fleet file. */
  path: z.string().min(1).default("./state/outbox.db"),
  /** Jobs kept (waiting and finished); finished ones are pruned first when it fills. */
  maxJobs: z.number().int().positive().default(10_000),
  maxBytes: z
    .number()
    .int()
    .min(256 * 1024)
    .default(64 * 1024 * 1024),
  /** Finished jobs are kept this long for the record. */
  keepDoneS: z
    .number()
    .nonnegative()
    .default(7 * 24 * 3600),
  /** Deliveries in flight at once (one per ticket at a time). */
  concurrency: z.number().int().positive().max(64).default(4),
  retry: z
    .strictObject({
      minMs: z.number().int().positive().default(1000),
      maxMs: z.number().int().positive().default(300_000),
      jitter: z.number().min(0).max(1).default(0.2),
      /** 0: retry until it succeeds (errors a person must fix fail at once). */
      maxAttempts: z.number().int().nonnegative().default(0),
    })
    .prefault({}),
});
export type OutboxConfig = z.infer<typeof outboxSchema>;

export const actuationSchema = z.strictObject({
  /** Ceiling on every command's mode in this fleet: `advise` turns all actuation off. */
  maxMode: z.enum(ACTION_MODES).default("auto"),
});
export type ActuationConfig = z.infer<typeof actuationSchema>;

/** Fleet: outbox, ticket targets, actuation. */
export const fleetActionsSchema = {
  outbox: outboxSchema.prefault({}),
  ticketTargets: z.record(name, ticketTargetSchema).default({}),
  actuation: actuationSchema.prefault({}),
};
