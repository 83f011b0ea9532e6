import { type Profile, type ProfileInput, profileSchema } from "../../../src/config/profile-schema.js";

/** A valid profile around the given codec, channels and windowing, with defaults filled in by the schema. */
export function makeProfile(parts: {
  codec: ProfileInput["codec"];
  channels?: ProfileInput["channels"];
  windowing?: ProfileInput["windowing"];
}): Profile {
  return profileSchema.parse({
    transport: { type: "mqtt" },
    codec: parts.codec,
    channels: parts.channels ?? { accel: { unit: "g" } },
    windowing: parts.windowing ?? { type: "block", samples: 1024 },
    model: { name: "test-model" },
    advice: { classes: { normal: { severity: "ok" } } },
  });
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
