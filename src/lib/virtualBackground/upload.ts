/**
 * What the user may use as a background, decided before any decoding: the message says what to do.
 * Large pictures are not refused: `planDownscale` gives the size they are decoded to.
 */
import { msg, type Message } from '@/i18n/message'

export type BackgroundKind = 'image' | 'video'

export interface FileLike {
  name?: string
  type: string
  size: number
}

export type UploadVerdict = { ok: true; kind: BackgroundKind } | { ok: false; message: Message }

/** Files larger than this are refused outright (a background video can be long, but not this long). */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024
/** Pixels a background picture is decoded to at most; anything larger is scaled down (4K UHD fits). */
export const MAX_BACKGROUND_PIXELS = 3840 * 2160
/** Longest side a background picture keeps (WebGL's texture size limit is 4096 on many devices). */
export const MAX_BACKGROUND_SIDE = 4096

const IMAGE_EXT = /\.(jpe?g|png|webp|gif|avif|bmp)$/i
const VIDEO_EXT = /\.(webm|mp4|m4v|mov|ogv)$/i

export function classifyBackgroundFile(file: FileLike): UploadVerdict {
  const type = (file.type || '').toLowerCase()
  const name = file.name ?? ''
  const shown = name || msg('feedback.upload.theFile')
  if (file.size === 0) return { ok: false, message: msg('feedback.upload.empty', { name: shown }) }
  if (file.size > MAX_UPLOAD_BYTES) {
    return { ok: false, message: msg('feedback.upload.tooLarge', { name: shown }) }
  }
  if (type === 'image/svg+xml' || /\.svg$/i.test(name)) {
    return { ok: false, message: msg('feedback.upload.svg') }
  }
  if (type.startsWith('image/') || (!type && IMAGE_EXT.test(name))) return { ok: true, kind: 'image' }
  if (type.startsWith('video/') || (!type && VIDEO_EXT.test(name))) return { ok: true, kind: 'video' }
  return {
    ok: false,
    message: type ? msg('feedback.upload.notMediaType', { name: shown, type }) : msg('feedback.upload.notMedia', { name: shown }),
  }
}

/** Guesses image or video from a URL's extension (built-in backgrounds, links); null when it cannot tell. */
export function classifyBackgroundUrl(url: string): BackgroundKind | null {
  const path = url.split(/[?#]/)[0] ?? ''
  if (IMAGE_EXT.test(path) || /^data:image\//i.test(url)) return 'image'
  if (VIDEO_EXT.test(path) || /^data:video\//i.test(url)) return 'video'
  return null
}

export interface DownscalePlan {
  width: number
  height: number
  /** True when the picture is made smaller than it is. */
  scaled: boolean
  /** For the user when `scaled`: what happened, in one sentence (a message key, rendered in the language shown). */
  message?: Message
}

/** The size a picture is decoded to: its own, or scaled down (aspect kept) under the pixel and side limits. */
export function planDownscale(
  width: number,
  height: number,
  maxPixels = MAX_BACKGROUND_PIXELS,
  maxSide = MAX_BACKGROUND_SIDE,
): DownscalePlan {
  if (!(width > 0 && height > 0)) throw new Error(`invalid picture size ${width}x${height}`)
  const scale = Math.min(1, Math.sqrt(maxPixels / (width * height)), maxSide / Math.max(width, height))
  if (scale >= 1) return { width, height, scaled: false }
  const w = Math.max(1, Math.floor(width * scale))
  const h = Math.max(1, Math.floor(height * scale))
  const mp = (width * height) / 1e6
  return {
    width: w,
    height: h,
    scaled: true,
    message: msg('feedback.upload.scaled', { mp: mp.toFixed(mp >= 10 ? 0 : 1), width, height, w, h }),
  }
}

// The workers' renderers import coverRect from ./coverRect (this module translates its messages, the workers have no i18n).
export { coverRect } from './coverRect'
