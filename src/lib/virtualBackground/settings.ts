/**
 * The virtual background's settings: plain, serializable data (a pinia store may persist it as JSON).
 * Browser objects (the uploaded file, the worker, tracks) never live here; `useVirtualBackground` keeps those.
 */

import { isLookActive, LOOK_IDS, type LookId } from './looks'

export type BackgroundMode = 'none' | 'blur' | 'image' | 'color' | 'video'
export type BackgroundEngine = 'chroma' | 'segmentation'
export type SegmentationModel = 'landscape' | 'general'

/** Where the picture or video of the `image` / `video` modes comes from. */
export type BackgroundSourceRef =
  /** One of `BUILTIN_BACKGROUNDS`, by id. */
  | { kind: 'builtin'; id: string }
  /** A URL the app can fetch (same origin or CORS-enabled). */
  | { kind: 'url'; url: string }
  /** A file the user chose; only its name survives a reload (the file itself is not persisted). */
  | { kind: 'upload'; name: string }

export interface ChromaKeySettings {
  /** The screen's colour, "#rrggbb". @default '#00ff00' */
  keyColor: string
  /** Chroma distance under which a pixel is background, 0..1 (OBS's 400/1000). @default 0.4 */
  similarity: number
  /** Width of the soft edge, 0..1 (OBS's 80/1000). @default 0.08 */
  smoothness: number
  /** Width in which green reflections are desaturated, 0..1 (OBS's 100/1000). @default 0.1 */
  spill: number
}

export interface SegmentationSettings {
  /** `landscape` (256x144, faster, for 16:9 video) or `general` (256x256). @default 'landscape' */
  model: SegmentationModel
  /** Masks per second at most; the composite always runs at the camera's rate. @default 30 */
  maskFps: number
  /** Softness of the mask's edge, 0 (hard) .. 1 (wide feather). @default 0.5 */
  edgeSoftness: number
  /** Temporal smoothing, 0 (none, may flicker) .. 1 (heavy, may lag). @default 0.5 */
  temporalSmoothing: number
}

/** A colour look (lib/virtualBackground/looks.ts) over the whole picture. */
export interface LookSettings {
  /** @default 'none' */
  id: LookId
  /** How much of the look is mixed in, 0..1. @default 0.8 */
  strength: number
}

/** Touch-up (美颜): skin smoothing inside the person (lib/virtualBackground/touchUp.ts). */
export interface TouchUpSettings {
  /** 0 (off) .. 1 (strong). @default 0 */
  strength: number
}

export interface VirtualBackgroundSettings {
  /** @default 'none' */
  mode: BackgroundMode
  /** @default 'segmentation' */
  engine: BackgroundEngine
  /** Blur strength 0..1 (0.5 is a soft, recognisable blur; 1 a heavy one). @default 0.5 */
  blurStrength: number
  /** Colour of the `color` mode, "#rrggbb". @default '#1f6feb' */
  color: string
  /** Picture of the `image` mode. @default the first built-in picture */
  image: BackgroundSourceRef | null
  /** Video of the `video` mode (looped). @default null */
  video: BackgroundSourceRef | null
  chroma: ChromaKeySettings
  segmentation: SegmentationSettings
  /** Before/after: show the camera as it is, keeping the processed track (and its consumers) alive. @default false */
  showOriginal: boolean
  /** Colour look of the processed picture (background and person alike). */
  look: LookSettings
  touchUp: TouchUpSettings
  /** Low-light fix: lifts a dark picture by its measured brightness (lib/virtualBackground/lowLight.ts). @default false */
  lowLight: boolean
}

export interface BuiltinBackground {
  id: string
  label: string
  /** Path under the app's base URL. */
  path: string
}

/** Pictures shipped in public/backgrounds/ (made for this app, no licence strings attached). */
export const BUILTIN_BACKGROUNDS: readonly BuiltinBackground[] = [
  { id: 'dusk', label: 'Dusk', path: 'backgrounds/dusk.jpg' },
  { id: 'studio', label: 'Studio', path: 'backgrounds/studio.jpg' },
  { id: 'bokeh', label: 'Bokeh', path: 'backgrounds/bokeh.jpg' },
  { id: 'waves', label: 'Waves (video)', path: 'backgrounds/waves.webm' },
]

export const DEFAULT_CHROMA: Readonly<ChromaKeySettings> = { keyColor: '#00ff00', similarity: 0.4, smoothness: 0.08, spill: 0.1 }
export const DEFAULT_LOOK: Readonly<LookSettings> = { id: 'none', strength: 0.8 }
export const DEFAULT_SEGMENTATION: Readonly<SegmentationSettings> = {
  model: 'landscape',
  maskFps: 30,
  edgeSoftness: 0.5,
  temporalSmoothing: 0.5,
}

export function defaultVirtualBackgroundSettings(): VirtualBackgroundSettings {
  return {
    mode: 'none',
    engine: 'segmentation',
    blurStrength: 0.5,
    color: '#1f6feb',
    image: { kind: 'builtin', id: BUILTIN_BACKGROUNDS[0]!.id },
    video: { kind: 'builtin', id: 'waves' },
    chroma: { ...DEFAULT_CHROMA },
    segmentation: { ...DEFAULT_SEGMENTATION },
    showOriginal: false,
    look: { ...DEFAULT_LOOK },
    touchUp: { strength: 0 },
    lowLight: false,
  }
}

/**
 * Whether the settings need person segmentation: a background drawn with the ML engine, or touch-up with no
 * background (touch-up stays on the person; the engine choice is hidden then, so it always uses the model).
 */
export function needsPersonMask(s: Pick<VirtualBackgroundSettings, 'mode' | 'engine' | 'touchUp'>): boolean {
  return s.mode === 'none' ? s.touchUp.strength > 0 : s.engine === 'segmentation'
}

/** Whether the camera must go through the compositor at all: a background, touch-up, a look or the low-light fix. */
export function needsProcessing(s: VirtualBackgroundSettings): boolean {
  return s.mode !== 'none' || s.touchUp.strength > 0 || isLookActive(s.look) || s.lowLight
}

const clamp = (x: unknown, lo: number, hi: number, fallback: number) =>
  typeof x === 'number' && Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : fallback
const oneOf = <T extends string>(x: unknown, options: readonly T[], fallback: T): T => (options.includes(x as T) ? (x as T) : fallback)
const hex = (x: unknown, fallback: string) => (typeof x === 'string' && /^#[0-9a-f]{6}$/i.test(x) ? x.toLowerCase() : fallback)

function sourceRef(x: unknown, fallback: BackgroundSourceRef | null): BackgroundSourceRef | null {
  if (x === null) return null
  if (!x || typeof x !== 'object') return fallback
  const o = x as Record<string, unknown>
  if (o.kind === 'builtin' && typeof o.id === 'string' && BUILTIN_BACKGROUNDS.some((b) => b.id === o.id))
    return { kind: 'builtin', id: o.id }
  if (o.kind === 'url' && typeof o.url === 'string') return { kind: 'url', url: o.url }
  if (o.kind === 'upload' && typeof o.name === 'string') return { kind: 'upload', name: o.name }
  return fallback
}

/** Settings from anything (a persisted JSON of an older version, say): every field checked, defaults for the rest. */
export function normalizeSettings(input: unknown): VirtualBackgroundSettings {
  const d = defaultVirtualBackgroundSettings()
  const o = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>
  const c = (o.chroma && typeof o.chroma === 'object' ? o.chroma : {}) as Record<string, unknown>
  const s = (o.segmentation && typeof o.segmentation === 'object' ? o.segmentation : {}) as Record<string, unknown>
  const l = (o.look && typeof o.look === 'object' ? o.look : {}) as Record<string, unknown>
  const tu = (o.touchUp && typeof o.touchUp === 'object' ? o.touchUp : {}) as Record<string, unknown>
  return {
    mode: oneOf(o.mode, ['none', 'blur', 'image', 'color', 'video'], d.mode),
    engine: oneOf(o.engine, ['chroma', 'segmentation'], d.engine),
    blurStrength: clamp(o.blurStrength, 0, 1, d.blurStrength),
    color: hex(o.color, d.color),
    image: sourceRef(o.image, d.image),
    video: sourceRef(o.video, d.video),
    chroma: {
      keyColor: hex(c.keyColor, d.chroma.keyColor),
      similarity: clamp(c.similarity, 0, 1, d.chroma.similarity),
      smoothness: clamp(c.smoothness, 0, 1, d.chroma.smoothness),
      spill: clamp(c.spill, 0, 1, d.chroma.spill),
    },
    segmentation: {
      model: oneOf(s.model, ['landscape', 'general'], d.segmentation.model),
      maskFps: clamp(s.maskFps, 1, 60, d.segmentation.maskFps),
      edgeSoftness: clamp(s.edgeSoftness, 0, 1, d.segmentation.edgeSoftness),
      temporalSmoothing: clamp(s.temporalSmoothing, 0, 1, d.segmentation.temporalSmoothing),
    },
    showOriginal: o.showOriginal === true,
    look: { id: oneOf(l.id, LOOK_IDS, d.look.id), strength: clamp(l.strength, 0, 1, d.look.strength) },
    touchUp: { strength: clamp(tu.strength, 0, 1, d.touchUp.strength) },
    lowLight: o.lowLight === true,
  }
}
