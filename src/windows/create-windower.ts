import { type Profile, primaryChannel } from "../config/profile-schema.js";
import { BlockWindower } from "./block-windower.js";
import { SlidingWindower } from "./sliding-windower.js";
import { TimeWindower } from "./time-windower.js";
import type { Windower } from "./windower.js";

export type { Windower, WindowerStats } from "./windower.js";

/**
 * The windower for one asset, picked by `profile.windowing.type`. Block and sliding windows are
 * cut on the profile's primary channel (other channels' readings are ignored); time windows
 * take every channel of the profile.
 */
export function createWindower(profile: Profile): Windower {
  const w = profile.windowing;
  const channel = primaryChannel(profile);
  const channelRateHz = profile.channels[channel]?.sampleRateHz ?? Number.NaN;
  switch (w.type) {
    case "block":
      return new BlockWindower({
        channel,
        samples: w.samples,
        gapToleranceMs: w.gapToleranceMs,
        channelRateHz,
      });
    case "sliding":
      return new SlidingWindower({
        channel,
        samples: w.samples,
        hopSamples: w.hopSamples,
        gapToleranceMs: w.gapToleranceMs,
        channelRateHz,
      });
    case "time":
      return new TimeWindower({
        channels: Object.keys(profile.channels),
        primary: channel,
        durationMs: w.durationMs,
        minReadings: w.minReadings,
        gapToleranceMs: w.gapToleranceMs,
      });
  }
}
