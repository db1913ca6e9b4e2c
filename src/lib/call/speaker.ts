/**
 * Who is speaking, from the audio levels of the people in a call (RTP audio levels, 0 to 1, linear; 1 is full
 * scale). The loudest person over the speech threshold becomes the speaker once they were loudest for `holdMs`,
 * and stays it while they keep talking, so a cough or a short overlap does not move the outline around; silence
 * for `quietMs` ends it.
 */

export interface SpeakerState<Id> {
  /** The current speaker, or null. */
  speaker: Id | null
  /** Who has been loudest lately, since when, and when they were last heard (ms). */
  candidate: Id | null
  since: number
  candidateHeard: number
  /** When the current speaker was last heard over the threshold (ms). */
  lastHeard: number
}

export interface SpeakerOptions {
  /** Level counted as speech: 0.03 is about -30 dBov. @default 0.03 */
  threshold?: number
  /** How long someone must be loudest before the outline moves to them. @default 600 */
  holdMs?: number
  /** How long the speaker may be quiet before the outline goes away. @default 1200 */
  quietMs?: number
}

export function initialSpeakerState<Id>(): SpeakerState<Id> {
  return { speaker: null, candidate: null, since: 0, candidateHeard: 0, lastHeard: 0 }
}

/** The next state after one sample of everyone's level at `now` (ms). */
export function nextSpeaker<Id>(
  state: SpeakerState<Id>,
  levels: ReadonlyMap<Id, number>,
  now: number,
  options: SpeakerOptions = {},
): SpeakerState<Id> {
  const threshold = options.threshold ?? 0.03
  const hold = options.holdMs ?? 600
  const quiet = options.quietMs ?? 1200
  let loudest: Id | null = null
  let max = threshold
  for (const [id, level] of levels) {
    if (level >= max) {
      max = level
      loudest = id
    }
  }
  const next = { ...state }
  // The speaker left the call: forget them.
  if (next.speaker !== null && !levels.has(next.speaker)) next.speaker = null
  if (next.speaker !== null && (levels.get(next.speaker) ?? 0) >= threshold) next.lastHeard = now
  // Speech has gaps between words: a pause keeps the candidate (its hold goes on); someone else talking, or a
  // silence as long as `quiet`, starts over.
  if (loudest !== null && loudest !== next.candidate) {
    next.candidate = loudest
    next.since = now
  }
  if (loudest !== null) next.candidateHeard = now
  else if (next.candidate !== null && now - next.candidateHeard >= quiet) next.candidate = null
  if (next.candidate !== null && next.candidate !== next.speaker && levels.has(next.candidate) && now - next.since >= hold) {
    next.speaker = next.candidate
    next.lastHeard = now
  } else if (next.speaker !== null && now - next.lastHeard >= quiet) {
    next.speaker = null
  }
  return next
}
