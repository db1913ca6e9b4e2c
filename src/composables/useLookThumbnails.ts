import { onScopeDispose, watch, type MaybeRefOrGetter } from 'vue'
import { useDocumentVisibility } from '@vueuse/core'
import { applyLook, type LookId } from '@/lib/virtualBackground/looks'
import { useThumbnailStream } from './useThumbnailStream'

/** How often the thumbnails take a new picture of the camera, ms. */
const EVERY_MS = 1000

/**
 * Live thumbnails of the colour looks: about once a second, one small picture of the camera (a scaled copy of its
 * track, see useThumbnailStream) is graded by each look at `strength` (lib/virtualBackground/looks.ts's applyLook,
 * the renderers' own maths) and painted on that look's canvas. A few thousand pixels per look: a few milliseconds
 * on the main thread, once a second, and nothing while the page is hidden or there is no camera.
 */
export function useLookThumbnails(source: MaybeRefOrGetter<MediaStream | undefined>, strength: number, width = 96) {
  const small = useThumbnailStream(source, 192)
  const visibility = useDocumentVisibility()
  const canvases = new Map<LookId, HTMLCanvasElement>()
  const video = document.createElement('video')
  video.muted = true
  video.playsInline = true
  const grab = document.createElement('canvas')
  const grabCtx = grab.getContext('2d', { willReadFrequently: true })
  let timer: ReturnType<typeof setInterval> | undefined

  function paint() {
    if (!grabCtx || video.readyState < 2 || !video.videoWidth) return
    const w = width
    const h = Math.max(1, Math.round((width * video.videoHeight) / video.videoWidth))
    if (grab.width !== w || grab.height !== h) {
      grab.width = w
      grab.height = h
    }
    grabCtx.drawImage(video, 0, 0, w, h)
    const src = grabCtx.getImageData(0, 0, w, h).data
    for (const [id, canvas] of canvases) {
      if (!canvas.isConnected) {
        canvases.delete(id)
        continue
      }
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w
        canvas.height = h
      }
      const ctx = canvas.getContext('2d')
      if (!ctx) continue
      const out = ctx.createImageData(w, h)
      const d = out.data
      for (let p = 0; p < src.length; p += 4) {
        const c = applyLook(id, strength, src[p]! / 255, src[p + 1]! / 255, src[p + 2]! / 255)
        d[p] = c[0] * 255
        d[p + 1] = c[1] * 255
        d[p + 2] = c[2] * 255
        d[p + 3] = 255
      }
      ctx.putImageData(out, 0, 0)
    }
  }

  function stop() {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  }

  watch(
    [small, visibility],
    ([stream, vis]) => {
      stop()
      video.srcObject = stream ?? null
      if (!stream || vis === 'hidden') return
      video.play().catch(() => {})
      video.addEventListener('loadeddata', paint, { once: true })
      timer = setInterval(paint, EVERY_MS)
    },
    { immediate: true },
  )

  onScopeDispose(() => {
    stop()
    video.srcObject = null
    canvases.clear()
  })

  // One callback per look, so a re-render (a slider moving) hands Vue the same ref function and paints nothing.
  const refs = new Map<LookId, (el: unknown) => void>()
  return {
    /** A template ref callback for the canvas of look `id`. */
    canvasFor(id: LookId) {
      let f = refs.get(id)
      if (!f) {
        f = (el) => {
          if (el instanceof HTMLCanvasElement && canvases.get(id) !== el) {
            canvases.set(id, el)
            paint()
          }
        }
        refs.set(id, f)
      }
      return f
    },
  }
}
