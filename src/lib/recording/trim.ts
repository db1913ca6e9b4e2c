/** Trim ranges (start and end, in seconds of the recording) and the export length they give. Pure. */

export interface TrimRange {
  startS: number
  /** null: up to the end. */
  endS: number | null
}

/** The shortest export we make: shorter ranges are almost always a slip of the slider. */
export const MIN_TRIM_S = 0.1

/**
 * A usable range inside [0, durationS]: clamped, ordered, at least MIN_TRIM_S long. Returns null when the range
 * covers the whole recording (nothing to trim).
 */
export function normalizeTrim(trim: Partial<TrimRange> | null | undefined, durationS: number): TrimRange | null {
  if (!trim) return null
  const dur = Number.isFinite(durationS) && durationS > 0 ? durationS : Infinity
  let start = Number.isFinite(trim.startS) ? Math.max(0, trim.startS!) : 0
  let end = trim.endS === null || trim.endS === undefined || !Number.isFinite(trim.endS) ? dur : Math.min(dur, trim.endS)
  if (end < start) [start, end] = [end, start]
  if (end - start < MIN_TRIM_S) {
    end = Math.min(dur, start + MIN_TRIM_S)
    start = Math.max(0, end - MIN_TRIM_S)
  }
  const coversStart = start <= 0.001
  const coversEnd = end >= dur - 0.001
  if (coversStart && coversEnd) return null
  return { startS: start, endS: coversEnd && dur === Infinity ? null : end }
}

/** Seconds of media an export will hold. */
export function trimmedDuration(trim: TrimRange | null, durationS: number): number {
  if (!trim) return durationS
  const end = trim.endS ?? durationS
  return Math.max(0, Math.min(end, durationS) - trim.startS)
}
