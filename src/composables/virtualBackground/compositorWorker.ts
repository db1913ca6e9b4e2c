/**
 * The compositor worker as the worker pipelines start it: spawn, `init`, and wait for `ready` (or a
 * fatal error, a load failure, or the start timeout) before the pipeline counts as started.
 */
import { t } from '@/i18n'
import type { CompositorCommand, CompositorEvent, OutputInit } from '@/workers/background/protocol'
import { describe, START_TIMEOUT_MS, type PipelineContext } from './pipeline'

export interface CompositorWorker {
  worker: Worker
  send(cmd: CompositorCommand, transfer?: Transferable[]): void
  /** Posts `dispose`, then terminates the worker once it had a moment to release its GPU context and readers. */
  dispose(): void
}

/**
 * Resolves once the worker drew nothing yet but is ready to (its renderer exists); `onStarting` sees the
 * events that arrive before that (the generator's track). After the start, events go to ctx.onEvent and
 * fatal ones to ctx.onFatal.
 */
export function startCompositorWorker(
  ctx: PipelineContext,
  output: OutputInit,
  transfer: Transferable[],
  onEvent: (e: CompositorEvent) => boolean | void,
): Promise<CompositorWorker> {
  const worker = new Worker(new URL('../../workers/background/compositor.worker.ts', import.meta.url), {
    type: 'module',
    name: 'vb-compositor',
  })
  let started = false
  let disposed = false
  const handle: CompositorWorker = {
    worker,
    send: (cmd, t = []) => worker.postMessage(cmd, t),
    dispose() {
      if (disposed) return
      disposed = true
      try {
        worker.postMessage({ type: 'dispose' } satisfies CompositorCommand)
      } catch {
        // Already gone.
      }
      ctx.window.setTimeout(() => worker.terminate(), 500)
    },
  }
  return new Promise<CompositorWorker>((resolve, reject) => {
    const fail = (reason: string) => {
      if (disposed) return
      if (started) return ctx.onFatal(reason)
      clearTimeout(timer)
      disposed = true
      worker.terminate()
      reject(new Error(reason))
    }
    const timer = ctx.window.setTimeout(
      () => fail(t('feedback.background.processorNotStarted', { seconds: START_TIMEOUT_MS / 1000 })),
      START_TIMEOUT_MS,
    )
    worker.onmessage = (e: MessageEvent<CompositorEvent>) => {
      const ev = e.data
      if (disposed) {
        if (ev.type === 'output') ev.bitmap.close()
        return
      }
      if (onEvent(ev)) return
      if (ev.type === 'error' && ev.fatal) return fail(ev.message)
      ctx.onEvent(ev)
      if (ev.type === 'ready' && !started) {
        started = true
        clearTimeout(timer)
        resolve(handle)
      }
    }
    worker.onerror = (e) => {
      e.preventDefault()
      fail(e.message || t('feedback.background.processorNotLoaded'))
    }
    worker.onmessageerror = () => fail(t('feedback.background.processorBadMessage'))
    try {
      worker.postMessage({ type: 'init', output, settings: ctx.settings, renderer: ctx.renderer } satisfies CompositorCommand, transfer)
    } catch (err) {
      fail(describe(err))
    }
  })
}
