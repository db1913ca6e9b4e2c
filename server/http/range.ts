/**
 * The `Range` request header (RFC 9110 §14), for one file of `size` bytes. Pure, so it is unit-tested on its own.
 *
 * Only a single byte range is served: `bytes=a-b`, `bytes=a-` and the suffix form `bytes=-n` (the last n bytes).
 * Anything else (several ranges, other units, junk, numbers beyond 2^53) is unsatisfiable here and answered 416,
 * rather than being passed to a file server that trusts it.
 */

export interface ByteRange {
  /** First byte, inclusive. */
  start: number
  /** Last byte, inclusive (`end - start + 1` bytes). */
  end: number
}

/** 16 digits is more than any safe integer has; longer numbers are refused before they are parsed. */
const SINGLE_RANGE = /^bytes=(\d{0,16})-(\d{0,16})$/

/**
 * The range to send, or null when the header cannot be satisfied (answer 416 with `Content-Range: bytes *\/size`).
 * A last byte past the end is clamped to the end, as the RFC says; a first byte at or past the end is not.
 */
export function parseRange(header: string, size: number): ByteRange | null {
  const m = SINGLE_RANGE.exec(header.trim())
  if (!m) return null
  const [, first = '', last = ''] = m
  if (first === '' && last === '') return null
  const a = first === '' ? undefined : Number(first)
  const b = last === '' ? undefined : Number(last)
  if ((a !== undefined && !Number.isSafeInteger(a)) || (b !== undefined && !Number.isSafeInteger(b))) return null
  if (a === undefined) {
    // Suffix: the last b bytes (all of them when the file is shorter). "bytes=-0" asks for nothing.
    if (b === 0 || size === 0) return null
    return { start: Math.max(0, size - b!), end: size - 1 }
  }
  if (a >= size) return null
  if (b !== undefined && b < a) return null
  return { start: a, end: Math.min(b ?? size - 1, size - 1) }
}
