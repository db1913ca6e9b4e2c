/**
 * ffmpeg.wasm, loaded the first time an export needs it, in its own worker (@ffmpeg/ffmpeg's), with the core from our
 * own build: @ffmpeg/core-mt when the page is cross-origin isolated (SharedArrayBuffer available), @ffmpeg/core
 * otherwise. One job at a time; cancelling terminates the worker (ffmpeg cannot be interrupted from outside), and
 * the next job loads it again.
 *
 * Inputs are mounted with WORKERFS: ffmpeg reads the Blob in place (FileReaderSync in the worker), so a large
 * recording is not copied into the wasm heap next to itself.
 *
 * Nothing here may wait forever. The multi-thread core starts 32 pthread workers from inside ffmpeg's own worker
 * while it loads; in Firefox (153 ESR, measured) that nested start stalls in about two loads out of three: some of
 * the 32 workers never fetch their script, `load()` never settles, and an export showed no progress, no result and
 * no message. (A standalone page shows the likely cause: Firefox stops a worker that starts workers of its own in
 * quick succession; see gifExport.ts.) So every step has a deadline: a core that does not load in time, or an ffmpeg run that prints nothing
 * for too long, is ended (the worker terminated) and the job runs again on the single-thread core, which is
 * remembered for this browser; a single-thread core that does the same is reported as an error within seconds.
 * Cancel works at every step, loading included.
 *
 * Offline, that fallback needs the single-thread core in the service worker's cache, but an online export that ran
 * on the multi-thread core only cached that one (Firefox then failed offline: the multi-thread core stalled and the
 * single-thread one could not be fetched). So once the multi-thread core has loaded with a service worker in
 * control, the single-thread core is fetched once in the background (low priority) and cached too.
 */
import type { FFmpeg, FFFSType, LogEvent } from '@ffmpeg/ffmpeg'
import { ffmpegErrorSummary, parseFfmpegTime, progressFromTime } from '@/lib/recording/ffmpegArgs'
import { ExportError, abortError } from './exportErrors'

export interface FfmpegJob {
  /** The input, mounted read-only as /in/<inputName>. */
  input: Blob
  inputName: string
  /** Full ffmpeg argument list; refer to the input as /in/<inputName> and write the output to /out/<outputName>. */
  args: string[]
  outputName: string
  outputType: string
  /** Seconds of media the output will hold, for progress from ffmpeg's `time=`. */
  mediaSeconds: number
  signal?: AbortSignal
  onProgress?: (p: number) => void
  /** Every log line, for debugging. */
  onLog?: (line: string) => void
}

export interface FfmpegInfo {
  multiThread: boolean
  loadMs: number
  /** Why the multi-thread core is not used on a cross-origin isolated page (it failed to load or run in time), or null. */
  fallback: string | null
}

type Core = 'mt' | 'st'

/**
 * How long a core may take to load before it is given up on. Measured on a busy 2-core machine: the multi-thread
 * core loads in 2.4–5 s in Firefox when it loads at all, the single-thread one in about 1 s.
 */
export const LOAD_DEADLINE_MS: Record<Core, number> = { mt: 10_000, st: 20_000 }
/**
 * How long a running ffmpeg may print nothing. ffmpeg prints a stats line at least every half second while it
 * writes frames, and the input's description before that; a silence this long means it is stuck, not slow.
 */
export const STALL_DEADLINE_MS: Record<Core, number> = { mt: 15_000, st: 30_000 }

/** Where a failed multi-thread core is remembered, with the user agent it failed in (a browser update tries again). */
const MT_FAILED_KEY = 'media-studio:ffmpeg-mt-failed'

interface Loaded {
  ff: FFmpeg
  info: FfmpegInfo
}

/** A core that did not answer in time (internal: it is retried on the single-thread core or turned into a message). */
class Stalled extends Error {
  constructor(
    readonly core: Core,
    message: string,
  ) {
    super(message)
  }
}

let loading: Promise<Loaded> | null = null
/** The instance being loaded, so that cancelling can end it before `load()` settles. */
let pending: FFmpeg | null = null
/** Counts unloads: a load that was ended by an unload (a cancel) is not a failure of its core. */
let unloads = 0
let mtFailure: string | null = null
let queue: Promise<unknown> = Promise.resolve()

/** Whether the multi-thread core can run here (needs COOP/COEP so SharedArrayBuffer exists). */
export function canUseMultiThread(): boolean {
  return globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined'
}

function mtFailedHere(): string | null {
  if (mtFailure) return mtFailure
  try {
    if (localStorage.getItem(MT_FAILED_KEY) === navigator.userAgent) return 'the multi-thread core failed in this browser before'
  } catch {
    // no storage (private mode, a worker): the failure is remembered for this page only
  }
  return null
}

function rememberMtFailed(reason: string) {
  mtFailure = reason
  try {
    localStorage.setItem(MT_FAILED_KEY, navigator.userAgent)
  } catch {
    // see mtFailedHere
  }
}

/** The error of a load whose files could not be fetched (a network error), as opposed to a core that did not run. */
function fetchFailed(err: unknown): boolean {
  return err instanceof TypeError && /fetch|network|import/i.test(err.message)
}

/** Settles with `p`, or rejects with an AbortError as soon as `signal` aborts, or with `late()` after `ms` (if given). */
function settleWithin<T>(p: Promise<T>, o: { ms?: number; late?: () => Error; signal?: AbortSignal }): Promise<T> {
  const { ms, late, signal } = o
  return new Promise<T>((resolve, reject) => {
    const timer = ms !== undefined && late ? setTimeout(() => reject(late()), ms) : undefined
    const onAbort = () => reject(abortError())
    if (signal?.aborted) onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    p.then(resolve, reject).finally(() => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    })
  })
}

async function loadCore(core: Core): Promise<Loaded> {
  const t0 = performance.now()
  const [{ FFmpeg }, assets, worker] = await Promise.all([
    import('@ffmpeg/ffmpeg'),
    import('virtual:media-assets'),
    import('@ffmpeg/ffmpeg/worker?worker&url'),
  ])
  const ff = new FFmpeg()
  pending = ff
  const classWorkerURL = new URL(worker.default, self.location.href).href
  try {
    await settleWithin(
      ff.load(
        core === 'mt'
          ? { classWorkerURL, coreURL: assets.ffmpegCoreMtURL, wasmURL: assets.ffmpegWasmMtURL, workerURL: assets.ffmpegWorkerMtURL }
          : { classWorkerURL, coreURL: assets.ffmpegCoreURL, wasmURL: assets.ffmpegWasmURL },
      ),
      { ms: LOAD_DEADLINE_MS[core], late: () => new Stalled(core, `did not load within ${LOAD_DEADLINE_MS[core] / 1000} s`) },
    )
  } catch (err) {
    ff.terminate()
    throw err
  } finally {
    if (pending === ff) pending = null
  }
  if (core === 'mt') warmFallback(assets.ffmpegCoreURL, assets.ffmpegWasmURL)
  return {
    ff,
    info: {
      multiThread: core === 'mt',
      loadMs: performance.now() - t0,
      fallback: canUseMultiThread() && core === 'st' ? mtFailedHere() : null,
    },
  }
}

let warmed = false

/**
 * Fetches the single-thread core's files through the service worker, which caches them (src/sw.ts), so the fallback
 * works offline too. Only with a service worker in control (else nothing would keep them) and online; once per page.
 */
function warmFallback(...urls: string[]) {
  if (warmed || !globalThis.navigator?.serviceWorker?.controller || navigator.onLine === false) return
  warmed = true
  for (const url of urls) {
    // The body must be read for the cache write to complete; a failure only means the fallback stays online-only.
    void fetch(url, { priority: 'low' })
      .then((r) => r.arrayBuffer())
      .catch(() => (warmed = false))
  }
}

/**
 * Loads ffmpeg (once): the multi-thread core where it can run and has not failed here, else the single-thread core.
 * Resolves with which core was loaded and how long it took.
 */
export function loadFfmpeg(): Promise<Loaded> {
  loading ??= (async () => {
    const generation = unloads
    if (canUseMultiThread() && !mtFailedHere()) {
      try {
        return await loadCore('mt')
      } catch (err) {
        if (generation !== unloads) throw abortError()
        const reason = `the multi-thread core ${err instanceof Stalled ? err.message : `failed to load (${String(err)})`}`
        // A core that could not be fetched (offline and never cached, or the server unreachable) says nothing about
        // this browser: that is not remembered beyond this page.
        if (navigator.onLine === false || fetchFailed(err)) mtFailure = reason
        else rememberMtFailed(reason)
      }
    }
    try {
      return await loadCore('st')
    } catch (err) {
      if (generation !== unloads) throw abortError()
      const why = err instanceof Stalled ? `it ${err.message}` : String(err)
      throw new ExportError('ffmpegStart', { reason: why })
    }
  })()
  const mine = loading
  mine.catch(() => {
    if (loading === mine) loading = null
  })
  return mine
}

/** Frees the ffmpeg worker and its memory, or ends a load in progress (the next job loads it again). */
export async function unloadFfmpeg(): Promise<void> {
  const l = loading
  loading = null
  unloads++
  pending?.terminate()
  pending = null
  if (l) (await l.catch(() => null))?.ff.terminate()
}

/** Runs one ffmpeg command on a mounted Blob and returns the output file. Jobs run one after another. */
export function runFfmpeg(job: FfmpegJob): Promise<{ blob: Blob; log: string[]; info: FfmpegInfo }> {
  const run = queue.then(() => runWithFallback(job))
  queue = run.catch(() => undefined)
  return run
}

/**
 * Runs the job; when the multi-thread core stops answering mid-run, it is given up on (and remembered) and the job
 * runs again on the single-thread core. A single-thread core that stops answering ends the job with a message.
 */
async function runWithFallback(job: FfmpegJob): Promise<{ blob: Blob; log: string[]; info: FfmpegInfo }> {
  try {
    return await runNow(job)
  } catch (err) {
    if (!(err instanceof Stalled)) throw err
    if (err.core === 'mt') {
      rememberMtFailed(`the multi-thread core ${err.message}`)
      try {
        return await runNow(job)
      } catch (again) {
        if (!(again instanceof Stalled)) throw again
        err = again
      }
    }
    throw new ExportError('ffmpegStalled', { reason: (err as Stalled).message })
  }
}

async function runNow(job: FfmpegJob): Promise<{ blob: Blob; log: string[]; info: FfmpegInfo }> {
  if (job.signal?.aborted) throw abortError()
  const onAbortLoad = () => void unloadFfmpeg()
  job.signal?.addEventListener('abort', onAbortLoad, { once: true })
  let loaded: Loaded
  try {
    loaded = await settleWithin(loadFfmpeg(), { signal: job.signal })
  } finally {
    job.signal?.removeEventListener('abort', onAbortLoad)
  }
  const { ff, info } = loaded
  if (job.signal?.aborted) throw abortError()
  const core: Core = info.multiThread ? 'mt' : 'st'
  const log: string[] = []
  let watchdog: ReturnType<typeof setTimeout> | undefined
  let stalled: Stalled | null = null
  const arm = () => {
    clearTimeout(watchdog)
    watchdog = setTimeout(() => {
      stalled = new Stalled(core, `printed nothing for ${STALL_DEADLINE_MS[core] / 1000} s`)
      // exec() blocks ffmpeg's worker: the only way to stop it is to end the worker.
      loading = null
      ff.terminate()
    }, STALL_DEADLINE_MS[core])
  }
  const onLog = ({ message }: LogEvent) => {
    arm()
    log.push(message)
    if (log.length > 400) log.splice(0, 200)
    job.onLog?.(message)
    const p = progressFromTime(parseFfmpegTime(message), job.mediaSeconds)
    if (p !== null) job.onProgress?.(p)
  }
  let aborted = false
  const onAbort = () => {
    aborted = true
    loading = null
    ff.terminate()
  }
  ff.on('log', onLog)
  job.signal?.addEventListener('abort', onAbort, { once: true })
  let mounted = false
  try {
    arm()
    await ff.createDir('/in').catch(() => undefined)
    await ff.createDir('/out').catch(() => undefined)
    await ff.mount('WORKERFS' as FFFSType, { blobs: [{ name: job.inputName, data: job.input }] }, '/in')
    mounted = true
    const code = await ff.exec(job.args)
    if (code !== 0) throw new ExportError('ffmpegExit', { code, log: ffmpegErrorSummary(log) })
    const data = await ff.readFile(`/out/${job.outputName}`)
    if (typeof data === 'string' || data.byteLength === 0) throw new ExportError('ffmpegNoFile', { log: ffmpegErrorSummary(log) })
    await ff.deleteFile(`/out/${job.outputName}`).catch(() => undefined)
    job.onProgress?.(1)
    return { blob: new Blob([data as Uint8Array<ArrayBuffer>], { type: job.outputType }), log, info }
  } catch (err) {
    if (aborted) throw abortError()
    if (stalled) throw stalled
    // A failed run can leave a partial output in the worker's memory: start clean next time.
    await unloadFfmpeg()
    mounted = false
    throw err instanceof Error ? err : new Error(String(err))
  } finally {
    clearTimeout(watchdog)
    job.signal?.removeEventListener('abort', onAbort)
    ff.off('log', onLog)
    if (mounted && !aborted && !stalled) await ff.unmount('/in').catch(() => undefined)
  }
}
