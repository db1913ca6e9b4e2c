/**
 * The segmentation worker's life: started when a mode needs person segmentation, terminated when none
 * does (a chroma key or no background frees its wasm runtime and model, tens of MB), connected to the
 * compositor over a MessagePort so masks never pass through the main thread.
 */
import { msg, type Text } from '@/i18n/message'
import type { SegmentationModel } from '@/lib/virtualBackground/settings'
import type { SegmenterFailure, SegmenterInit, SegmenterStatus } from '@/workers/background/protocol'

/** The sentence for each reason the worker gives; its `detail` (the browser's words) goes inside. */
const FAILURE_KEYS: Record<SegmenterFailure, string> = {
  load: 'feedback.background.detectionLoadFailed',
  'no-webgl': 'feedback.background.detectionNoWebGL',
  segment: 'feedback.background.detectionSegmentFailed',
}

export type ModelStatus = 'idle' | 'loading' | 'ready' | 'error'

export interface SegmenterHost {
  /** Starts the worker (if not running) and hands the compositor its port; `connect` is how it reaches the compositor. */
  start(model: SegmentationModel): void
  /** Terminates the worker and disconnects the compositor (nothing in flight is kept). */
  stop(): void
  readonly running: boolean
}

export interface SegmenterHostOptions {
  window: Window & typeof globalThis
  assetBase: string
  /** Hands the compositor its end of the channel (null disconnects). */
  connect(port: MessagePort | null): void
  /** `fromPage`: the error was made here (the worker failed to load), not reported by the worker. */
  onStatus(status: ModelStatus, error?: Text, fromPage?: boolean): void
}

export function createSegmenterHost(o: SegmenterHostOptions): SegmenterHost {
  let worker: Worker | null = null
  const host: SegmenterHost = {
    get running() {
      return worker !== null
    },
    start(model) {
      if (worker) return
      // Classic worker: the MediaPipe loader needs importScripts (see segmentation.worker.ts). Written as
      // `new Worker(new URL(…, import.meta.url))` on purpose: that is the form Vite bundles as a worker.
      const w = new Worker(new URL('../../workers/background/segmentation.worker.ts', import.meta.url), { name: 'vb-segmentation' })
      worker = w
      o.onStatus('loading')
      w.onmessage = (e: MessageEvent<SegmenterStatus>) => {
        if (worker !== w) return
        const m = e.data
        if (m.type === 'loading') o.onStatus('loading')
        else if (m.type === 'ready') o.onStatus('ready')
        else o.onStatus('error', msg(FAILURE_KEYS[m.reason], { detail: m.detail }))
      }
      w.onerror = (e) => {
        e.preventDefault()
        if (worker !== w) return
        o.onStatus(
          'error',
          msg('feedback.background.detectionNoStart', { reason: e.message || msg('feedback.background.detectionWorkerFailed') }),
          true,
        )
      }
      const { port1, port2 } = new o.window.MessageChannel()
      const init: SegmenterInit = { type: 'init', assetBase: o.assetBase, model, port: port1 }
      w.postMessage(init, [port1])
      o.connect(port2)
    },
    stop() {
      if (!worker) return
      o.connect(null)
      worker.terminate()
      worker = null
      o.onStatus('idle')
    },
  }
  return host
}
