/**
 * The one drawing of a screen with the camera bubble, used by the worker compositor (pip.worker.ts, on an
 * OffscreenCanvas from VideoFrames) and by the main-thread fallback (usePipCompositor.ts, on a canvas from
 * <video> elements), so both record the same picture: the screen, the camera's centre square clipped to the
 * bubble, and a white ring around it.
 */
import { bubbleRect, centreSquare, type PipLayout } from './pipProtocol'

type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D

export interface PipSource {
  image: CanvasImageSource
  width: number
  height: number
}

function bubblePath(c: Ctx2D, layout: PipLayout, x: number, y: number, d: number) {
  c.beginPath()
  if (layout.shape === 'round') c.arc(x + d / 2, y + d / 2, d / 2, 0, Math.PI * 2)
  else c.rect(x, y, d, d)
}

/** Draws `screen` filling `w` x `h`, and `camera` (if any) in the bubble `layout` places. */
export function drawPip(c: Ctx2D, w: number, h: number, screen: PipSource, camera: PipSource | null, layout: PipLayout): void {
  c.drawImage(screen.image, 0, 0, w, h)
  if (!camera || !camera.width || !camera.height) return
  const { x, y, d } = bubbleRect(w, h, layout)
  const { sx, sy, s } = centreSquare(camera.width, camera.height)
  c.save()
  bubblePath(c, layout, x, y, d)
  c.clip()
  c.drawImage(camera.image, sx, sy, s, s, x, y, d, d)
  c.restore()
  c.lineWidth = Math.max(2, d * 0.02)
  c.strokeStyle = 'rgba(255,255,255,0.9)'
  bubblePath(c, layout, x, y, d)
  c.stroke()
}
