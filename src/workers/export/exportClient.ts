/**
 * The page's side of the export worker: one worker, started on first use, jobs by id, progress and cancel. While a
 * job runs the worker is pinged; one that answers nothing for WORKER_SILENT_MS fails its jobs with a message and is
 * ended (the next job starts a new one).
 * A job's Blob inputs and outputs cross by reference (a Blob is a handle, not a copy).
 */
import type { ExportJob, FromWorker, JobResults, ToWorker } from './exportProtocol'
import { ExportError, abortError } from './exportErrors'
import type { GifFrame } from './gifFrames'
import { liveness, type Liveness } from './liveness'
import { t } from '@/i18n'

interface Pending {
  resolve: (r: never) => void
  reject: (e: unknown) => void
  onProgress?: (p: number) => void
  onFrame?: (frame: GifFrame) => void
}

/** The running worker, its liveness watch, and when it was last heard from (any message). */
let current: { w: Worker; watch: Liveness; lastHeard: number } | null = null
let nextId = 1
const pending = new Map<number, Pending>()

/** Silence (no answer to pings, no progress) after which a running export's worker is taken as stopped. */
export const WORKER_SILENT_MS = 30_000
const PING_MS = 5_000
/** A cancel the worker does not answer in this long (not even a ping) means it is stuck: it is ended at once. */
const CANCEL_ANSWER_MS = 3_000

function getWorker(): NonNullable<typeof current> {
  if (current) return current
  const w = new Worker(new URL('./export.worker.ts', import.meta.url), { type: 'module', name: 'export' })
  const watch = liveness({
    pingMs: PING_MS,
    silentMs: WORKER_SILENT_MS,
    ping: () => w.postMessage({ type: 'ping' } satisfies ToWorker),
    silent: () => fail(new ExportError('workerStopped', { reason: t('exportErrors.workerNotResponding', { s: WORKER_SILENT_MS / 1000 }) })),
  })
  w.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data
    me.lastHeard = performance.now()
    watch.heard()
    if (m.type === 'pong') return
    const p = pending.get(m.id)
    if (!p) return
    if (m.type === 'progress') p.onProgress?.(m.p)
    else if (m.type === 'frame') p.onFrame?.(m.frame)
    else {
      pending.delete(m.id)
      if (!pending.size) watch.stop()
      if (m.type === 'done') p.resolve(m.result as never)
      else if (m.name === 'AbortError') p.reject(new DOMException(m.message, 'AbortError'))
      else p.reject(Object.assign(m.key ? new ExportError(m.key, m.params) : new Error(m.message), { name: m.name }))
    }
  }
  function fail(error: ExportError) {
    watch.stop()
    for (const p of pending.values()) p.reject(error)
    pending.clear()
    w.terminate()
    if (current === me) current = null
  }
  w.onerror = (e) => fail(new ExportError('workerStopped', { reason: e.message || t('exportErrors.workerNotLoaded') }))
  w.onmessageerror = () => fail(new ExportError('workerBadMessage'))
  const me = { w, watch, lastHeard: performance.now() }
  current = me
  return me
}

/**
 * Runs one job in the export worker. Cancelling rejects with an AbortError once the worker has stopped the job, or
 * at once when the worker does not answer within CANCEL_ANSWER_MS (it is then ended).
 */
export function runExportJob<J extends ExportJob>(
  job: J,
  opts: { signal?: AbortSignal; onProgress?: (p: number) => void; onFrame?: (frame: GifFrame) => void } = {},
): Promise<JobResults[J['kind']]> {
  if (opts.signal?.aborted) return Promise.reject(abortError())
  const me = getWorker()
  const { w } = me
  const id = nextId++
  return new Promise<JobResults[J['kind']]>((resolve, reject) => {
    const onAbort = () => {
      const asked = performance.now()
      w.postMessage({ type: 'cancel', id } satisfies ToWorker)
      w.postMessage({ type: 'ping' } satisfies ToWorker)
      // A live worker answers the ping at once and ends the job soon after; a stuck one is ended now, not when the
      // liveness watch gives up on it.
      setTimeout(() => {
        if (pending.has(id) && current === me && me.lastHeard < asked) stopExportWorker()
      }, CANCEL_ANSWER_MS)
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    const done = () => opts.signal?.removeEventListener('abort', onAbort)
    pending.set(id, {
      resolve: ((r: JobResults[J['kind']]) => (done(), resolve(r))) as never,
      reject: (e) => (done(), reject(e)),
      onProgress: opts.onProgress,
      onFrame: opts.onFrame,
    })
    w.postMessage({ type: 'run', id, job } satisfies ToWorker)
    me.watch.start()
  })
}

/** Ends the worker (and any job in it); the next job starts a new one. */
export function stopExportWorker(): void {
  current?.watch.stop()
  current?.w.terminate()
  current = null
  for (const p of pending.values()) p.reject(abortError())
  pending.clear()
}
