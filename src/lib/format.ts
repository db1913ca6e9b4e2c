/** Human-readable sizes and times for the UI. */

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–'
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = bytes / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`
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
