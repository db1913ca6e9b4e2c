import { describe, expect, it } from 'vitest'
import { avcConfigProblem } from '@/lib/recording/avcConfig'

const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (b) => parseInt(b, 16))

// libx264's avcC (ffmpeg -c:v libx264 -pix_fmt yuv420p, 320x240, High profile): well formed.
const X264 = '0164000cffe100196764000cacd94141fb011000000300100000030140f142996001000668ebe3cb22c0fdf8f800'
// Firefox 153 ESR's WebCodecs H.264 encoder, from an MP4 the app exported there: each NAL header byte written twice.
const FIREFOX_153 = '0164001f03010019676764001facd9405005ba10000003001001e84800f18319600100066868ebecb22c'

describe('avcConfigProblem', () => {
  it('accepts a well-formed record', () => {
    expect(avcConfigProblem(hex(X264))).toBeNull()
  })

  it("finds Firefox 153's doubled NAL header bytes", () => {
    expect(avcConfigProblem(hex(FIREFOX_153))).toMatch(/SPS 0 says profile 103 level 0, the record profile 100 level 31/)
  })

  it('says what is missing in a truncated or empty record', () => {
    expect(avcConfigProblem(new Uint8Array())).toMatch(/too short/)
    expect(avcConfigProblem(hex(X264).subarray(0, 20))).toMatch(/truncated sequence parameter set/)
    expect(avcConfigProblem(hex('0164000cffe000'))).toMatch(/no sequence parameter set/)
    expect(avcConfigProblem(hex('0264000cffe100'))).toMatch(/configurationVersion is 2/)
  })
})
