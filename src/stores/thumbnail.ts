/** Small JPEG previews for the gallery grid, so listing never decodes full-size photos or videos. */

export const THUMB_MAX = 320

export async function makeThumbnail(source: CanvasImageSource, width: number, height: number, max = THUMB_MAX): Promise<Blob> {
  const scale = Math.min(1, max / Math.max(width, height))
  const w = Math.max(1, Math.round(width * scale))
  const h = Math.max(1, Math.round(height * scale))
  const canvas = new OffscreenCanvas(w, h)
  const ctx = canvas.getContext('2d')
  if (!ctx) throw new Error('2D canvas unavailable')
  ctx.drawImage(source, 0, 0, w, h)
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 })
}
