/** Messages between usePipCompositor and pip.worker.ts, and the bubble geometry both sides agree on. Pure. */

export type PipCorner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right'
export type PipShape = 'round' | 'square'

export interface PipLayout {
  corner: PipCorner
  /** Bubble size as a fraction of the output's shorter side (0.1..0.6). */
  size: number
  shape: PipShape
}

export type ToPipWorker =
  | { type: 'init'; output: WritableStream<VideoFrame>; fps: number; layout: PipLayout }
  | { type: 'screen'; frames: ReadableStream<VideoFrame> | null }
  | { type: 'camera'; frames: ReadableStream<VideoFrame> | null }
  | { type: 'layout'; layout: PipLayout }
  | { type: 'stop' }

/** Errors carry a code and the browser's detail, not text: the page words them in the current language (workers have no i18n). */
export type PipWorkerError =
  | { type: 'error'; code: 'send-failed'; detail: string }
  | { type: 'error'; code: 'read-failed'; source: 'screen' | 'camera'; detail: string }

export type FromPipWorker = { type: 'started' } | PipWorkerError | { type: 'stats'; framesOut: number }

/** Where the bubble goes: a square of side `d` at (x, y), `margin` from the chosen corner. */
export function bubbleRect(outW: number, outH: number, layout: PipLayout): { x: number; y: number; d: number } {
  const size = Math.min(0.6, Math.max(0.1, layout.size))
  const d = Math.round(Math.min(outW, outH) * size)
  const margin = Math.round(Math.min(outW, outH) * 0.03)
  const left = layout.corner.endsWith('left')
  const top = layout.corner.startsWith('top')
  return { x: left ? margin : outW - d - margin, y: top ? margin : outH - d - margin, d }
}

/** Centre square crop of a camera frame, so the bubble never stretches the face. */
export function centreSquare(w: number, h: number): { sx: number; sy: number; s: number } {
  const s = Math.min(w, h)
  return { sx: Math.round((w - s) / 2), sy: Math.round((h - s) / 2), s }
}
