import { z } from "zod";

/**
 * A technician's (or a ticket system's) verdict on an advice episode, on
 * `<prefix>/<site>/<asset>/feedback` or `POST /feedback`:
 * `{"episodeId": "...", "verdict": "confirmed" | "false_alarm" | "fixed", "faultCode"?, "by"?, "note"?}`.
 * `confirmed`: the fault is real; `fixed`: it was real and has been repaired (counts as
 * confirmed); `false_alarm`: there was no fault (its windows become examples of normal).
 * `faultCode` names the fault actually found, when it differs from the advised one.
 */

export const VERDICTS = ["confirmed", "false_alarm", "fixed"] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Payloads larger than this are refused unread. */
export const MAX_FEEDBACK_BYTES = 16 * 1024;

const label = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "use 1-64 letters, digits, '_', '.' or '-'");

export const feedbackMessageSchema = z.object({
  episodeId: z.string().min(1).max(256),
  verdict: z.enum(VERDICTS),
  faultCode: label.optional(),
  by: z.string().max(200).optional(),
  note: z.string().max(2000).optional(),
});
export type FeedbackMessage = z.infer<typeof feedbackMessageSchema>;

/** Reads a feedback payload; a string says what is wrong with it. */
export function parseFeedback(payload: Buffer | string): FeedbackMessage | string {
  const size = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
  if (size > MAX_FEEDBACK_BYTES) return `payload of ${size} bytes (at most ${MAX_FEEDBACK_BYTES})`;
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch {
    return "not JSON";
  }
  const parsed = feedbackMessageSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  return parsed.error.issues
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}
