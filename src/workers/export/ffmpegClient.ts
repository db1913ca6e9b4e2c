/**
 * ffmpeg.wasm, loaded the first time an export needs it, in its own worker (@ffmpeg/ffmpeg's), with the core from our
 * own build: @ffmpeg/core-mt when the page is cross-origin isolated (SharedArrayBuffer available), @ffmpeg/core
 * otherwise. One job at a time; cancelling terminates the worker (ffmpeg cannot be interrupted from outside), and
 * the next job loads it again.
 *
 * Inputs are mounted with WORKERFS: ffmpeg reads the Blob in place (FileReaderSync in the worker), so a large
 * recording is not copied into the wasm heap next to itself.
 */
import type { FFmpeg, FFFSType, LogEvent } from '@ffmpeg/ffmpeg'
import { ffmpegErrorSummary, parseFfmpegTime, progressFromTime } from '@/lib/recording/ffmpegArgs'

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
}

let loading: Promise<{ ff: FFmpeg; info: FfmpegInfo }> | null = null
let queue: Promise<unknown> = Promise.resolve()

/** Whether the multi-thread core can run here (needs COOP/COEP so SharedArrayBuffer exists). */
export function canUseMultiThread(): boolean {
  return globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined'
}

/** Loads ffmpeg (once). Resolves with which core was loaded and how long it took. */
export function loadFfmpeg(): Promise<{ ff: FFmpeg; info: FfmpegInfo }> {
  loading ??= (async () => {
    const t0 = performance.now()
    const [{ FFmpeg }, assets, worker] = await Promise.all([
      import('@ffmpeg/ffmpeg'),
      import('virtual:media-assets'),
      import('@ffmpeg/ffmpeg/worker?worker&url'),
    ])
    const ff = new FFmpeg()
    const multiThread = canUseMultiThread()
    const classWorkerURL = new URL(worker.default, self.location.href).href
    try {
      await ff.load(
        multiThread
          ? { classWorkerURL, coreURL: assets.ffmpegCoreMtURL, wasmURL: assets.ffmpegWasmMtURL, workerURL: assets.ffmpegWorkerMtURL }
          : { classWorkerURL, coreURL: assets.ffmpegCoreURL, wasmURL: assets.ffmpegWasmURL },
      )
    } catch (err) {
      ff.terminate()
      throw new Error(`The video converter (ffmpeg.wasm) could not be loaded: ${String(err)}`)
    }
    return { ff, info: { multiThread, loadMs: performance.now() - t0 } }
  })()
  loading.catch(() => {
    loading = null
  })
  return loading
}

/** Frees the ffmpeg worker and its memory (the next job loads it again). */
export async function unloadFfmpeg(): Promise<void> {
  const l = loading
  loading = null
  if (l) (await l.catch(() => null))?.ff.terminate()
}

function abortError(): DOMException {
  return new DOMException('The export was cancelled.', 'AbortError')
}

/** Runs one ffmpeg command on a mounted Blob and returns the output file. Jobs run one after another. */
export function runFfmpeg(job: FfmpegJob): Promise<{ blob: Blob; log: string[]; info: FfmpegInfo }> {
  const run = queue.then(() => runNow(job))
  queue = run.catch(() => undefined)
  return run
}

async function runNow(job: FfmpegJob): Promise<{ blob: Blob; log: string[]; info: FfmpegInfo }> {
  if (job.signal?.aborted) throw abortError()
  const { ff, info } = await loadFfmpeg()
  if (job.signal?.aborted) throw abortError()
  const log: string[] = []
  const onLog = ({ message }: LogEvent) => {
    log.push(message)
    if (log.length > 400) log.splice(0, 200)
    job.onLog?.(message)
    const p = progressFromTime(parseFfmpegTime(message), job.mediaSeconds)
    if (p !== null) job.onProgress?.(p)
  }
  let aborted = false
  const onAbort = () => {
    aborted = true
    // exec() blocks ffmpeg's worker: the only way to stop it is to end the worker.
    loading = null
    ff.terminate()
  }
  ff.on('log', onLog)
  job.signal?.addEventListener('abort', onAbort, { once: true })
  let mounted = false
  try {
    await ff.createDir('/in').catch(() => undefined)
    await ff.createDir('/out').catch(() => undefined)
    await ff.mount('WORKERFS' as FFFSType, { blobs: [{ name: job.inputName, data: job.input }] }, '/in')
    mounted = true
    const code = await ff.exec(job.args)
    if (code !== 0) throw new Error(`The conversion failed (ffmpeg exit ${code}): ${ffmpegErrorSummary(log)}`)
    const data = await ff.readFile(`/out/${job.outputName}`)
    if (typeof data === 'string' || data.byteLength === 0) throw new Error(`The conversion produced no file: ${ffmpegErrorSummary(log)}`)
    await ff.deleteFile(`/out/${job.outputName}`).catch(() => undefined)
    job.onProgress?.(1)
    return { blob: new Blob([data as Uint8Array<ArrayBuffer>], { type: job.outputType }), log, info }
  } catch (err) {
    if (aborted) throw abortError()
    // A failed run can leave a partial output in the worker's memory: start clean next time.
    await unloadFfmpeg()
    mounted = false
    throw err instanceof Error ? err : new Error(String(err))
  } finally {
    job.signal?.removeEventListener('abort', onAbort)
    ff.off('log', onLog)
    if (mounted && !aborted) await ff.unmount('/in').catch(() => undefined)
  }
}
