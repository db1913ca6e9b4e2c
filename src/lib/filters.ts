/**
 * CSS filters for the live preview and for photos. One description drives both, so a photo
 * is taken with exactly the filter the preview shows.
 */

export type FilterId =
  'blur' | 'brightness' | 'contrast' | 'grayscale' | 'hue-rotate' | 'invert' | 'opacity' | 'saturate' | 'sepia' | 'drop-shadow'

export interface FilterSpec {
  id: FilterId
  label: string
  min: number
  max: number
  step: number
  /** The strength a filter starts at when it is switched on. */
  defaultAmount: number
  unit: 'px' | '%' | 'deg'
}

export const FILTERS: readonly FilterSpec[] = [
  { id: 'blur', label: 'Blur', min: 0, max: 20, step: 0.5, defaultAmount: 4, unit: 'px' },
  { id: 'brightness', label: 'Brightness', min: 0, max: 300, step: 5, defaultAmount: 140, unit: '%' },
  { id: 'contrast', label: 'Contrast', min: 0, max: 300, step: 5, defaultAmount: 160, unit: '%' },
  { id: 'grayscale', label: 'Grayscale', min: 0, max: 100, step: 1, defaultAmount: 100, unit: '%' },
  { id: 'hue-rotate', label: 'Hue rotate', min: 0, max: 360, step: 1, defaultAmount: 90, unit: 'deg' },
  { id: 'invert', label: 'Invert', min: 0, max: 100, step: 1, defaultAmount: 100, unit: '%' },
  { id: 'opacity', label: 'Opacity', min: 0, max: 100, step: 1, defaultAmount: 70, unit: '%' },
  { id: 'saturate', label: 'Saturate', min: 0, max: 400, step: 5, defaultAmount: 200, unit: '%' },
  { id: 'sepia', label: 'Sepia', min: 0, max: 100, step: 1, defaultAmount: 100, unit: '%' },
  { id: 'drop-shadow', label: 'Drop shadow', min: 0, max: 40, step: 1, defaultAmount: 8, unit: 'px' },
]

const SPEC_BY_ID = new Map(FILTERS.map((f) => [f.id, f]))

export function filterSpec(id: FilterId): FilterSpec {
  const spec = SPEC_BY_ID.get(id)
  if (!spec) throw new Error(`Unknown filter: ${id}`)
  return spec
}

export interface FilterSetting {
  id: FilterId
  enabled: boolean
  amount: number
}

export function defaultFilterSettings(): FilterSetting[] {
  return FILTERS.map((f) => ({ id: f.id, enabled: false, amount: f.defaultAmount }))
}

/** Keeps stored settings usable after the filter list changes: unknown ids dropped, new ones added, amounts clamped. */
export function normalizeFilterSettings(stored: unknown): FilterSetting[] {
  const byId = new Map<string, Partial<FilterSetting>>()
  if (Array.isArray(stored)) {
    for (const s of stored) if (s && typeof s === 'object' && 'id' in s) byId.set(String(s.id), s)
  }
  return FILTERS.map((f) => {
    const s = byId.get(f.id)
    const amount = typeof s?.amount === 'number' && Number.isFinite(s.amount) ? clamp(s.amount, f.min, f.max) : f.defaultAmount
    return { id: f.id, enabled: s?.enabled === true, amount }
  })
}

function clamp(v: number, lo: number, hi: number) {
  return Math.min(hi, Math.max(lo, v))
}

function round(v: number) {
  return Math.round(v * 1000) / 1000
}

/**
 * One CSS filter function. Lengths (blur radius, shadow offset) are multiplied by `pxScale`:
 * the preview shows the frame scaled to its box, a photo is drawn at the camera's full size, so
 * the same look needs lengths in the photo's own pixels.
 */
export function filterFunction(id: FilterId, amount: number, pxScale = 1): string {
  const spec = filterSpec(id)
  const a = clamp(amount, spec.min, spec.max)
  switch (id) {
    case 'blur':
      return `blur(${round(a * pxScale)}px)`
    case 'hue-rotate':
      return `hue-rotate(${round(a)}deg)`
    case 'drop-shadow': {
      const offset = round((a / 2) * pxScale)
      return `drop-shadow(${offset}px ${offset}px ${round(a * pxScale)}px rgba(0, 0, 0, 0.6))`
    }
    default:
      return `${id}(${round(a)}%)`
  }
}

/** The CSS `filter` value for a set of settings; `none` when nothing is on. */
export function cssFilter(settings: readonly FilterSetting[], pxScale = 1): string {
  const parts = settings.filter((s) => s.enabled).map((s) => filterFunction(s.id, s.amount, pxScale))
  return parts.length ? parts.join(' ') : 'none'
}

/** Burst mode: one look per filter, each alone at its default strength. */
export function burstLooks(): { id: FilterId; label: string; filter: (pxScale: number) => string }[] {
  return FILTERS.map((f) => ({ id: f.id, label: f.label, filter: (s: number) => filterFunction(f.id, f.defaultAmount, s) }))
}

/** Scale from what the preview box shows to the frame's own pixels, as `object-fit: contain` lays it out. */
export function previewToFrameScale(frameW: number, frameH: number, boxW: number, boxH: number): number {
  if (!frameW || !frameH || !boxW || !boxH) return 1
  const shown = Math.min(boxW / frameW, boxH / frameH)
  return shown > 0 ? 1 / shown : 1
}
