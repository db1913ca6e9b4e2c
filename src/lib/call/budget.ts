/**
 * A group call is a full mesh: every person sends their video once per other person, so their uplink carries it
 * N-1 times. The call keeps its total upload under a budget by capping each video sender at its share (after the
 * audio, which is small and never capped), recomputed as people join and leave. A cap the person chose themselves
 * (Connection statistics, Maximum bitrate) still applies when it is lower.
 */
import type { VideoCaps } from './encoding'

/** The call's default total upload: fits a typical home uplink with room to spare. */
export const DEFAULT_UPLOAD_BUDGET_KBPS = 2500
/** What one Opus voice stream costs, counted out of the budget before video gets its share. */
export const AUDIO_KBPS = 40
/** No video sender is capped below this: under it a picture is not worth sending. */
export const MIN_VIDEO_KBPS = 150

/** The caps for the video sent to each other person when `peers` others are in the call. */
export function meshVideoCaps(chosen: VideoCaps, peers: number, budgetKbps = DEFAULT_UPLOAD_BUDGET_KBPS): VideoCaps {
  if (peers < 1) return chosen
  const share = Math.max(MIN_VIDEO_KBPS, Math.floor(budgetKbps / peers) - AUDIO_KBPS)
  return { ...chosen, maxKbps: chosen.maxKbps === null ? share : Math.min(chosen.maxKbps, share) }
}
