/** Recording clock (elapsed without paused time) and the optional stop limits. Pure, unit-tested. */
import { msg, type Message } from '@/i18n/message'

export interface RecordingLimits {
  /** Stop by itself after this much recorded time (pauses excluded). */
  maxDurationMs?: number | null
  /** Stop by itself once this many bytes were recorded. */
  maxBytes?: number | null
}

export type LimitHit = 'duration' | 'size' | null

export function limitReached(elapsedMs: number, bytes: number, limits: RecordingLimits): LimitHit {
  if (limits.maxDurationMs && limits.maxDurationMs > 0 && elapsedMs >= limits.maxDurationMs) return 'duration'
  if (limits.maxBytes && limits.maxBytes > 0 && bytes >= limits.maxBytes) return 'size'
  return null
}

/**
 * Bytes a size limit will allow, given the chunks already in: the next chunk is about as big as the average one, so
 * we stop one timeslice early rather than overshoot by a chunk.
 */
export function willExceedSize(bytes: number, chunks: number, maxBytes: number | null | undefined): boolean {
  if (!maxBytes || maxBytes <= 0) return false
  const avg = chunks > 0 ? bytes / chunks : 0
  return bytes + avg >= maxBytes
}

/** Elapsed recording time that stops while paused. `now` is injected so tests need no timers. */
export class RecordingClock {
  private startedAt: number | null = null
  private pausedAt: number | null = null
  private pausedTotal = 0

  constructor(private readonly now: () => number = () => performance.now()) {}

  start(): void {
    this.startedAt = this.now()
    this.pausedAt = null
    this.pausedTotal = 0
  }

  pause(): void {
    if (this.startedAt !== null && this.pausedAt === null) this.pausedAt = this.now()
  }

  resume(): void {
    if (this.pausedAt !== null) {
      this.pausedTotal += this.now() - this.pausedAt
      this.pausedAt = null
    }
  }

  get paused(): boolean {
    return this.pausedAt !== null
  }

  /** Recorded milliseconds so far (0 before start). */
  elapsed(): number {
    if (this.startedAt === null) return 0
    const end = this.pausedAt ?? this.now()
    return Math.max(0, end - this.startedAt - this.pausedTotal)
  }

  /** Milliseconds spent paused, for the session record. */
  pausedMs(): number {
    if (this.pausedAt === null) return this.pausedTotal
    return this.pausedTotal + (this.now() - this.pausedAt)
  }
}

/** Human text for a limit that stopped a recording. */
export function limitMessage(hit: LimitHit): Message | null {
  if (hit === 'duration') return msg('feedback.recorder.timeLimit')
  if (hit === 'size') return msg('feedback.recorder.sizeLimit')
  return null
}

/**
 * A recording shorter than this is not kept (the Record page) nor recovered (the recovery prompt): a quick
 * start/stop (a double press of R) would otherwise leave 0:00 files in the gallery that cannot be played or exported
 * meaningfully.
 */
export const MIN_RECORDING_MS = 1000
