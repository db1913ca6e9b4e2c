/**
 * Bitrate and resolution caps for the video sender, applied with `RTCRtpSender.setParameters` (no
 * renegotiation). The resolution cap is a `scaleResolutionDownBy` computed from what the track delivers,
 * so it is recomputed whenever the sent track changes (camera, processed track, screen).
 */

export interface BitrateCap {
  label: string
  /** kbit/s, null for no cap. */
  kbps: number | null
}
export interface ResolutionCap {
  label: string
  /** Lines of the shorter side (720 for 1280x720 and for a 720x1280 portrait camera), null for no cap. */
  lines: number | null
}

export const BITRATE_CAPS: readonly BitrateCap[] = [
  { label: 'Auto', kbps: null },
  { label: '2.5 Mbps', kbps: 2500 },
  { label: '1 Mbps', kbps: 1000 },
  { label: '500 kbps', kbps: 500 },
  { label: '250 kbps', kbps: 250 },
  { label: '100 kbps', kbps: 100 },
]

export const RESOLUTION_CAPS: readonly ResolutionCap[] = [
  { label: 'Auto', lines: null },
  { label: '720p', lines: 720 },
  { label: '480p', lines: 480 },
  { label: '360p', lines: 360 },
  { label: '240p', lines: 240 },
  { label: '180p', lines: 180 },
]

export interface VideoCaps {
  maxKbps: number | null
  maxLines: number | null
}

export interface EncodingCaps {
  /** bit/s, or undefined for none. */
  maxBitrate: number | undefined
  scaleResolutionDownBy: number
}

/** The encoding fields for `caps` given the size the track delivers (unknown size: no downscale). */
export function encodingCaps(caps: VideoCaps, source: { width?: number; height?: number } | undefined): EncodingCaps {
  const short = source?.width && source?.height ? Math.min(source.width, source.height) : 0
  const scale = caps.maxLines && short > caps.maxLines ? short / caps.maxLines : 1
  return {
    maxBitrate: caps.maxKbps ? caps.maxKbps * 1000 : undefined,
    scaleResolutionDownBy: Math.round(scale * 1000) / 1000,
  }
}

/** Structural subset of RTCRtpSendParameters (so this runs in Node tests). */
export interface SendParametersLike {
  encodings: Array<{ maxBitrate?: number; scaleResolutionDownBy?: number; [key: string]: unknown }>
  [key: string]: unknown
}

/**
 * `params` (from `sender.getParameters()`) with the caps written into every encoding, or null when nothing
 * changes (setParameters is not free: each call reconfigures the encoder).
 */
export function withCaps<P extends SendParametersLike>(params: P, caps: EncodingCaps): P | null {
  if (!params.encodings.length) return null
  let changed = false
  const encodings = params.encodings.map((e) => {
    const next = { ...e }
    if (caps.maxBitrate === undefined) delete next.maxBitrate
    else next.maxBitrate = caps.maxBitrate
    next.scaleResolutionDownBy = caps.scaleResolutionDownBy
    if (next.maxBitrate !== e.maxBitrate || (e.scaleResolutionDownBy ?? 1) !== next.scaleResolutionDownBy) changed = true
    return next
  })
  return changed ? { ...params, encodings } : null
}
