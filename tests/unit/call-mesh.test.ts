/**
 * Pure parts of group calls: the upload budget split across a full mesh (lib/call/budget) and who is speaking
 * from audio levels (lib/call/speaker).
 */
import { describe, expect, test } from 'vitest'
import { AUDIO_KBPS, DEFAULT_UPLOAD_BUDGET_KBPS, MIN_VIDEO_KBPS, SCREEN_SHARE_PART, meshVideoCaps } from '@/lib/call/budget'
import { initialSpeakerState, nextSpeaker, type SpeakerState } from '@/lib/call/speaker'

describe('meshVideoCaps', () => {
  const auto = { maxKbps: null, maxLines: null }

  test('alone: the caps the person chose, nothing added', () => {
    expect(meshVideoCaps(auto, 0)).toEqual(auto)
    expect(meshVideoCaps({ maxKbps: 500, maxLines: 360 }, 0)).toEqual({ maxKbps: 500, maxLines: 360 })
  })

  test('the budget is split across everyone, audio counted first, and the total stays under it', () => {
    for (const peers of [1, 2, 3]) {
      const caps = meshVideoCaps(auto, peers)
      expect(caps.maxKbps).toBe(Math.floor(DEFAULT_UPLOAD_BUDGET_KBPS / peers) - AUDIO_KBPS)
      expect(peers * (caps.maxKbps! + AUDIO_KBPS)).toBeLessThanOrEqual(DEFAULT_UPLOAD_BUDGET_KBPS)
    }
    expect(meshVideoCaps(auto, 3).maxKbps).toBe(793)
  })

  test('a lower cap the person chose wins; a higher one is brought down to the share', () => {
    expect(meshVideoCaps({ maxKbps: 250, maxLines: 240 }, 3)).toEqual({ maxKbps: 250, maxLines: 240 })
    expect(meshVideoCaps({ maxKbps: 2500, maxLines: null }, 2).maxKbps).toBe(1210)
  })

  test('while the screen is shared next to the camera, the share is split: most of it to the screen', () => {
    const camera = meshVideoCaps(auto, 2, DEFAULT_UPLOAD_BUDGET_KBPS, 'camera').maxKbps!
    const screen = meshVideoCaps(auto, 2, DEFAULT_UPLOAD_BUDGET_KBPS, 'screen').maxKbps!
    expect(screen).toBe(Math.floor(1210 * SCREEN_SHARE_PART))
    expect(camera).toBe(Math.floor(1210 * (1 - SCREEN_SHARE_PART)))
    expect(2 * (camera + screen + AUDIO_KBPS)).toBeLessThanOrEqual(DEFAULT_UPLOAD_BUDGET_KBPS)
  })

  test('a tiny budget still leaves each video a usable floor', () => {
    expect(meshVideoCaps(auto, 3, 300).maxKbps).toBe(MIN_VIDEO_KBPS)
  })
})

describe('nextSpeaker', () => {
  const run = (samples: Array<[number, Record<string, number>]>) => {
    let s: SpeakerState<string> = initialSpeakerState()
    const seen: Array<string | null> = []
    for (const [now, levels] of samples) {
      s = nextSpeaker(s, new Map(Object.entries(levels)), now)
      seen.push(s.speaker)
    }
    return seen
  }

  test('someone talking becomes the speaker after the hold time, not at their first sample', () => {
    expect(
      run([
        [0, { a: 0.2, b: 0 }],
        [200, { a: 0.2, b: 0 }],
        [400, { a: 0.2, b: 0 }],
        [600, { a: 0.2, b: 0 }],
      ]),
    ).toEqual([null, null, null, 'a'])
  })

  test('pauses between words do not restart the hold', () => {
    const words: Array<[number, Record<string, number>]> = [0, 200, 400, 600, 800].map((t) => [t, { a: t % 400 === 200 ? 0 : 0.2, b: 0 }])
    expect(run(words).slice(-2)).toEqual(['a', 'a'])
  })

  test('levels under the threshold are nobody speaking', () => {
    expect(
      run([
        [0, { a: 0.01, b: 0.02 }],
        [1000, { a: 0.01, b: 0.02 }],
      ]),
    ).toEqual([null, null])
  })

  test('a short burst from someone else does not move the outline; a longer one does', () => {
    const talk: Array<[number, Record<string, number>]> = [0, 200, 400, 600].map((t) => [t, { a: 0.2, b: 0 }])
    const cough: Array<[number, Record<string, number>]> = [
      [800, { a: 0.05, b: 0.5 }],
      [1000, { a: 0.2, b: 0 }],
    ]
    expect(run([...talk, ...cough]).slice(-2)).toEqual(['a', 'a'])
    const takeOver: Array<[number, Record<string, number>]> = [800, 1000, 1200, 1400].map((t) => [t, { a: 0.05, b: 0.5 }])
    expect(run([...talk, ...takeOver]).slice(-1)).toEqual(['b'])
  })

  test('the outline goes after the speaker has been quiet for a while, and when they leave', () => {
    const talk: Array<[number, Record<string, number>]> = [0, 200, 400, 600].map((t) => [t, { a: 0.2 }])
    expect(run([...talk, [1000, { a: 0 }], [1700, { a: 0 }], [1900, { a: 0 }]]).slice(-3)).toEqual(['a', 'a', null])
    expect(run([...talk, [800, {}]]).slice(-1)).toEqual([null])
  })
})
