/**
 * "Screen with camera bubble": composes a screen track and a camera track into one video track (picture in
 * picture: corner, size, round or square). In Chromium the pixels never touch the main thread: both tracks go
 * through MediaStreamTrackProcessor into a worker (src/workers/compositor/pip.worker.ts) that draws on an
 * OffscreenCanvas and writes to a MediaStreamTrackGenerator, so it keeps running in a background tab.
 * Elsewhere a main-thread canvas + captureStream() is used (browsers throttle that in background tabs).
 *
 * The output track stays the same while sources and layout change, so a recording never restarts.
 */
import { onScopeDispose, shallowRef, toValue, watch, type MaybeRefOrGetter, type ShallowRef, type WritableComputedRef } from 'vue'
import { messageRef, msg, type Message, type Text } from '@/i18n/message'
import type { FromPipWorker, PipCorner, PipLayout, PipShape, PipWorkerError, ToPipWorker } from '@/workers/compositor/pipProtocol'
import { drawPip } from '@/workers/compositor/drawPip'

export type { PipCorner, PipShape }

export interface UsePipCompositorOptions {
  /** The screen (background) video track. */
  screen: MaybeRefOrGetter<MediaStreamTrack | null | undefined>
  /** The camera (bubble) video track; null hides the bubble. */
  camera: MaybeRefOrGetter<MediaStreamTrack | null | undefined>
  /** @default 'bottom-right' */
  corner?: MaybeRefOrGetter<PipCorner>
  /** Bubble size as a fraction of the output's shorter side. @default 0.25 */
  size?: MaybeRefOrGetter<number>
  /** @default 'round' */
  shape?: MaybeRefOrGetter<PipShape>
  /** Most frames per second out. @default 30 */
  fps?: number
}

export interface UsePipCompositorReturn {
  /** 'worker' (off the main thread, background-safe) or 'main' (fallback). */
  mode: 'worker' | 'main' | 'unsupported'
  /** The composite video track. */
  track: ShallowRef<MediaStreamTrack | null>
  /** Resolves once the output track exists. */
  ready: Promise<void>
  error: WritableComputedRef<string | null, Text | null>
}

type ProcessorCtor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> }
type GeneratorCtor = new (init: { kind: 'video' }) => MediaStreamTrack & { writable: WritableStream<VideoFrame> }

function pipErrorText(e: PipWorkerError): Message {
  if (e.code === 'send-failed') return msg('feedback.pip.sendFailed', { detail: e.detail })
  return msg(e.source === 'screen' ? 'feedback.pip.readFailedScreen' : 'feedback.pip.readFailedCamera', { detail: e.detail })
}

export function usePipCompositor(options: UsePipCompositorOptions): UsePipCompositorReturn {
  const g = globalThis as unknown as { MediaStreamTrackProcessor?: ProcessorCtor; MediaStreamTrackGenerator?: GeneratorCtor }
  const mode: UsePipCompositorReturn['mode'] =
    g.MediaStreamTrackProcessor && g.MediaStreamTrackGenerator && typeof OffscreenCanvas !== 'undefined'
      ? 'worker'
      : typeof HTMLCanvasElement !== 'undefined' && 'captureStream' in HTMLCanvasElement.prototype
        ? 'main'
        : 'unsupported'
  const track = shallowRef<MediaStreamTrack | null>(null)
  // A message key, shown in the language of the moment.
  const error = messageRef()
  const fps = options.fps ?? 30
  const layout = (): PipLayout => ({
    corner: toValue(options.corner) ?? 'bottom-right',
    size: toValue(options.size) ?? 0.25,
    shape: toValue(options.shape) ?? 'round',
  })
  let ready: Promise<void>
  let dispose: () => void = () => undefined

  if (mode === 'worker') {
    const worker = new Worker(new URL('../workers/compositor/pip.worker.ts', import.meta.url), { type: 'module', name: 'pip-compositor' })
    const send = (m: ToPipWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer)
    const generator = new g.MediaStreamTrackGenerator!({ kind: 'video' })
    track.value = generator
    ready = new Promise<void>((resolve) => {
      worker.onmessage = (e: MessageEvent<FromPipWorker>) => {
        if (e.data.type === 'started') resolve()
        else if (e.data.type === 'error') error.value = pipErrorText(e.data)
      }
    })
    worker.onerror = (e) => (error.value = msg('feedback.pip.workerFailed', { reason: e.message }))
    send({ type: 'init', output: generator.writable, fps, layout: layout() }, [generator.writable as unknown as Transferable])
    const clones: Record<'screen' | 'camera', MediaStreamTrack | null> = { screen: null, camera: null }
    const feed = (which: 'screen' | 'camera', t: MediaStreamTrack | null | undefined) => {
      clones[which]?.stop()
      clones[which] = null
      if (!t || t.readyState !== 'live') return send({ type: which, frames: null })
      // The processor reads a clone, so ending our reader never stops the caller's track (and stopping the clone
      // ends the worker's stream when the source is replaced).
      const clone = t.clone()
      clones[which] = clone
      const frames = new g.MediaStreamTrackProcessor!({ track: clone, maxBufferSize: 2 }).readable
      send({ type: which, frames }, [frames as unknown as Transferable])
    }
    const stopScreen = watch(
      () => toValue(options.screen),
      (t) => feed('screen', t),
      { immediate: true },
    )
    const stopCamera = watch(
      () => toValue(options.camera),
      (t) => feed('camera', t),
      { immediate: true },
    )
    const stopLayout = watch(layout, (l) => send({ type: 'layout', layout: l }), { deep: true })
    dispose = () => {
      stopScreen()
      stopCamera()
      stopLayout()
      send({ type: 'stop' })
      clones.screen?.stop()
      clones.camera?.stop()
      generator.stop()
      setTimeout(() => worker.terminate(), 100)
    }
  } else if (mode === 'main') {
    const canvas = document.createElement('canvas')
    const ctx = canvas.getContext('2d', { alpha: false })!
    const screenVideo = document.createElement('video')
    const cameraVideo = document.createElement('video')
    for (const v of [screenVideo, cameraVideo]) {
      v.muted = true
      v.playsInline = true
    }
    const attach = (v: HTMLVideoElement, t: MediaStreamTrack | null | undefined) => {
      v.srcObject = t ? new MediaStream([t]) : null
      if (t) void v.play().catch(() => undefined)
    }
    const stopScreen = watch(
      () => toValue(options.screen),
      (t) => attach(screenVideo, t),
      { immediate: true },
    )
    const stopCamera = watch(
      () => toValue(options.camera),
      (t) => attach(cameraVideo, t),
      { immediate: true },
    )
    canvas.width = 1280
    canvas.height = 720
    const draw = () => {
      const w = screenVideo.videoWidth
      const h = screenVideo.videoHeight
      if (!w || !h) return
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w
        canvas.height = h
      }
      const cam =
        cameraVideo.srcObject && cameraVideo.videoWidth
          ? { image: cameraVideo, width: cameraVideo.videoWidth, height: cameraVideo.videoHeight }
          : null
      drawPip(ctx, w, h, { image: screenVideo, width: w, height: h }, cam, layout())
    }
    const timer = setInterval(draw, 1000 / fps)
    const stream = canvas.captureStream(fps)
    track.value = stream.getVideoTracks()[0] ?? null
    ready = Promise.resolve()
    dispose = () => {
      clearInterval(timer)
      stopScreen()
      stopCamera()
      attach(screenVideo, null)
      attach(cameraVideo, null)
      stream.getTracks().forEach((t) => t.stop())
    }
  } else {
    error.value = msg('feedback.pip.unsupported')
    ready = Promise.resolve()
  }

  onScopeDispose(() => dispose())

  return { mode, track, ready, error }
}
