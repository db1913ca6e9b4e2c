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

/** While the screen is shared next to the camera, the screen (text that must stay sharp) gets this part of a share. */
export const SCREEN_SHARE_PART = 0.7

/**
 * The caps for one video sent to each other person when `peers` others are in the call: the camera's when it is
 * the only video (`alone`), or the camera's or the screen's part while both are sent.
 */
export function meshVideoCaps(
  chosen: VideoCaps,
  peers: number,
  budgetKbps = DEFAULT_UPLOAD_BUDGET_KBPS,
  video: 'alone' | 'camera' | 'screen' = 'alone',
): VideoCaps {
  if (peers < 1) return chosen
  const share = Math.floor(budgetKbps / peers) - AUDIO_KBPS
  const part = video === 'alone' ? share : Math.floor(share * (video === 'screen' ? SCREEN_SHARE_PART : 1 - SCREEN_SHARE_PART))
  const cap = Math.max(MIN_VIDEO_KBPS, part)
  return { ...chosen, maxKbps: chosen.maxKbps === null ? cap : Math.min(chosen.maxKbps, cap) }
}
