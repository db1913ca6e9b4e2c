/**
 * Which video codec a call prefers. A mesh spends each person's uplink once per other person, so quality per bit
 * matters: AV1 first, then VP9, then VP8 and H.264 (the notes' codec negotiation). The order goes to
 * `RTCRtpTransceiver.setCodecPreferences` on every video section; the offer/answer keeps only what both browsers
 * can decode, so an unsupported first choice falls back to the next one by itself. A person can put another codec
 * first (Network settings); everything else stays behind it as the fallback.
 */

export type CodecChoice = 'auto' | 'AV1' | 'VP9' | 'VP8' | 'H264'
export const CODEC_CHOICES: readonly CodecChoice[] = ['auto', 'AV1', 'VP9', 'VP8', 'H264']

/** The order for `auto`. */
export const PREFERRED_VIDEO_CODECS = ['AV1', 'VP9', 'VP8', 'H264'] as const

/** Structural subset of RTCRtpCodec (so this runs in Node tests). */
export interface CodecLike {
  mimeType: string
  clockRate?: number
  sdpFmtpLine?: string
}

/** `video/VP9` → `VP9`. */
export const codecName = (mimeType: string): string => mimeType.replace(/^video\//i, '').toUpperCase()

/** Media codecs a person can pick; the rest (rtx, red, ulpfec, flexfec) are repair formats that stay in the list. */
const isRepair = (c: CodecLike) => ['RTX', 'RED', 'ULPFEC', 'FLEXFEC-03'].includes(codecName(c.mimeType))

/**
 * `capabilities` (from `RTCRtpReceiver.getCapabilities('video').codecs`) reordered for `choice`: the chosen codec,
 * then the preferred ones in order, then every other media codec as the browser listed it, then the repair formats.
 * Nothing is dropped, so whatever the other side supports can still be agreed on. The browser's own order is kept
 * within one codec (H.264 profiles, VP9 profiles).
 */
export function orderCodecs<C extends CodecLike>(capabilities: readonly C[], choice: CodecChoice = 'auto'): C[] {
  const order: string[] = choice === 'auto' ? [...PREFERRED_VIDEO_CODECS] : [choice, ...PREFERRED_VIDEO_CODECS.filter((c) => c !== choice)]
  const rank = (c: C) => {
    if (isRepair(c)) return order.length + 1
    const i = order.indexOf(codecName(c.mimeType))
    return i < 0 ? order.length : i
  }
  // Array.prototype.sort is stable: equal ranks keep the browser's order.
  return [...capabilities].sort((a, b) => rank(a) - rank(b))
}
