/**
 * A connection quality indicator from round-trip time, jitter and packet loss, with the simplified E-model
 * (ITU-T G.107) that VoIP monitors use: an R factor from effective latency and loss, mapped to a mean opinion
 * score (1 = bad, 4.4 = as good as a phone call gets). Video that collapses (a few frames a second) caps it.
 */

import { t } from '@/i18n'

export type QualityLevel = 'unknown' | 'poor' | 'fair' | 'good' | 'excellent'

export interface QualityInput {
  rttMs: number | null
  jitterMs: number | null
  lossPct: number | null
  /** Frames per second decoded from the other side, when it sends video. */
  recvFps?: number | null
}

export interface Quality {
  level: QualityLevel
  /** 0 to 4 bars, for the indicator. */
  bars: number
  /** Mean opinion score 1..4.5, or null when there is nothing to judge yet. */
  mos: number | null
  /** The main reason the quality is not excellent, for the tooltip ('' when all is well). */
  reason: string
}

/** Mean opinion score from network figures (ms, ms, percent). */
export function meanOpinionScore(rttMs: number, jitterMs: number, lossPct: number): number {
  const effectiveLatency = rttMs / 2 + jitterMs * 2 + 10
  let r = effectiveLatency < 160 ? 93.2 - effectiveLatency / 40 : 93.2 - (effectiveLatency - 120) / 10
  r -= lossPct * 2.5
  r = Math.max(0, Math.min(100, r))
  return 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r)
}

const LEVELS: Array<{ min: number; level: QualityLevel; bars: number }> = [
  { min: 4.3, level: 'excellent', bars: 4 },
  { min: 4.0, level: 'good', bars: 3 },
  { min: 3.6, level: 'fair', bars: 2 },
  { min: 0, level: 'poor', bars: 1 },
]

export function callQuality(input: QualityInput): Quality {
  const { rttMs, jitterMs, lossPct } = input
  if (rttMs === null && jitterMs === null && lossPct === null) return { level: 'unknown', bars: 0, mos: null, reason: '' }
  const mos = meanOpinionScore(rttMs ?? 0, jitterMs ?? 0, lossPct ?? 0)
  let index = LEVELS.findIndex((l) => mos >= l.min)
  let reason = ''
  if ((lossPct ?? 0) >= 2) reason = t('call.qualityReason.loss', { pct: (lossPct ?? 0).toFixed(1) })
  else if ((rttMs ?? 0) >= 300) reason = t('call.qualityReason.delay', { ms: Math.round(rttMs ?? 0) })
  else if ((jitterMs ?? 0) >= 30) reason = t('call.qualityReason.jitter', { ms: Math.round(jitterMs ?? 0) })
  const fps = input.recvFps
  if (fps !== undefined && fps !== null && fps < 8) {
    // Smooth audio with a slideshow for video is not a good call.
    index = Math.max(
      index,
      LEVELS.findIndex((l) => l.level === 'fair'),
    )
    reason ||= t('call.qualityReason.fps', { fps: Math.round(fps) })
  }
  const { level, bars } = LEVELS[index]!
  return { level, bars, mos: Math.round(mos * 100) / 100, reason }
}
