/** Human-readable sizes and times for the UI. */

/** A size as people read it: "8.6 MB", with the number in the given language's digits and separators (Intl). */
export function formatBytes(bytes: number, locale = 'en'): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–'
  if (bytes < 1024) return `${new Intl.NumberFormat(locale).format(bytes)} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = bytes / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  const digits = v < 10 ? 1 : 0
  const n = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v)
  return `${n} ${units[i]}`
}

/** A moment as a date and time in the given language (Intl), e.g. "29 Nov 2026, 10:15" or "2026年11月29日 10:15". */
export function formatDateTime(at: number | Date, locale = 'en'): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(at)
}

/** A clock time (hours and minutes) in the given language. */
export function formatClock(at: number | Date, locale = 'en'): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(at)
}

/** A fraction 0..1 as a whole percentage, "35%" (slider tooltips and readouts). */
export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  const total = Math.floor(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const mm = String(m).padStart(h ? 2 : 1, '0')
  const ss = String(s).padStart(2, '0')
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`
}

export type PhotoFormat = 'image/png' | 'image/jpeg' | 'image/webp'

export const PHOTO_FORMATS: { value: PhotoFormat; label: string; ext: string }[] = [
  { value: 'image/png', label: 'PNG', ext: 'png' },
  { value: 'image/jpeg', label: 'JPEG', ext: 'jpg' },
  { value: 'image/webp', label: 'WebP', ext: 'webp' },
]

const VIDEO_EXTENSIONS: Record<string, string> = {
  'video/webm': 'webm',
  'video/x-matroska': 'mkv',
  'video/mp4': 'mp4',
  'image/gif': 'gif',
}

export function extensionFor(mime: string): string {
  const base = mime.split(';')[0]!.trim().toLowerCase()
  return PHOTO_FORMATS.find((f) => f.value === base)?.ext ?? VIDEO_EXTENSIONS[base] ?? (base.split('/')[1] || 'bin')
}

/** A file name people can sort: photo-2026-11-21_14-07-05.png (the prefix may name a look: photo-sepia-…). */
export function timestampedName(prefix: string, date: Date, ext: string): string {
  const p = (n: number) => String(n).padStart(2, '0')
  const stamp = `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}_${p(date.getHours())}-${p(date.getMinutes())}-${p(date.getSeconds())}`
  return `${prefix}-${stamp}.${ext}`
}

/**
 * A name not yet taken: photo-…_10-15-02.png, then photo-…_10-15-02-2.png, -3… Photos taken in the same second
 * would otherwise share a name (downloads overwrite each other, and tiles read alike).
 */
export function uniqueName(name: string, taken: Iterable<string>): string {
  const used = new Set(taken)
  if (!used.has(name)) return name
  const dot = name.lastIndexOf('.')
  const stem = dot > 0 ? name.slice(0, dot) : name
  const ext = dot > 0 ? name.slice(dot) : ''
  for (let i = 2; ; i++) {
    const candidate = `${stem}-${i}${ext}`
    if (!used.has(candidate)) return candidate
  }
}

/** A name a person typed, made safe as a file name, keeping the original extension. Empty when nothing usable is left. */
export function cleanFileName(typed: string, originalName: string): string {
  const dot = originalName.lastIndexOf('.')
  const ext = dot > 0 ? originalName.slice(dot) : ''
  let stem = typed.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '').trim()
  if (ext && stem.toLowerCase().endsWith(ext.toLowerCase())) stem = stem.slice(0, -ext.length).trim()
  stem = stem.slice(0, 120)
  return stem && stem !== '.' && stem !== '..' ? `${stem}${ext}` : ''
}
