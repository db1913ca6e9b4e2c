/**
 * Checks an H.264 encoder's AVCDecoderConfigurationRecord ("avcC", ISO/IEC 14496-15 5.3.3.1: what WebCodecs hands
 * out as `decoderConfig.description` and what MP4 stores). Firefox 153's encoder writes a broken one: each parameter
 * set starts with its NAL header byte twice (67 67 64 …) and the reserved bits are 0, so players and ffmpeg read a
 * garbage SPS ("sps_id out of range") and the MP4 does not decode cleanly.
 */

/** What is wrong with this avcC, or null when it is well formed. */
export function avcConfigProblem(avcC: Uint8Array): string | null {
  if (avcC.length < 7) return `too short (${avcC.length} bytes)`
  if (avcC[0] !== 1) return `configurationVersion is ${avcC[0]}, not 1`
  const profile = avcC[1]!
  const level = avcC[3]!
  const spsCount = avcC[5]! & 0x1f
  if (spsCount === 0) return 'no sequence parameter set'
  let at = 6
  for (let i = 0; i < spsCount; i++) {
    if (at + 2 > avcC.length) return 'truncated sequence parameter set'
    const size = (avcC[at]! << 8) | avcC[at + 1]!
    const sps = avcC.subarray(at + 2, at + 2 + size)
    if (sps.length !== size || size < 4) return 'truncated sequence parameter set'
    if ((sps[0]! & 0x1f) !== 7) return `parameter set ${i} is NAL type ${sps[0]! & 0x1f}, not an SPS (7)`
    // The SPS's own profile and level follow its NAL header and must be the record's.
    if (sps[1] !== profile || sps[3] !== level) {
      return `SPS ${i} says profile ${sps[1]} level ${sps[3]}, the record profile ${profile} level ${level}`
    }
    at += 2 + size
  }
  if (at >= avcC.length) return 'no picture parameter set count'
  const ppsCount = avcC[at]!
  at++
  for (let i = 0; i < ppsCount; i++) {
    if (at + 2 > avcC.length) return 'truncated picture parameter set'
    const size = (avcC[at]! << 8) | avcC[at + 1]!
    const pps = avcC.subarray(at + 2, at + 2 + size)
    if (pps.length !== size || size < 2) return 'truncated picture parameter set'
    if ((pps[0]! & 0x1f) !== 8) return `parameter set ${i} is NAL type ${pps[0]! & 0x1f}, not a PPS (8)`
    at += 2 + size
  }
  return null
}
