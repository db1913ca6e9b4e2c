/**
 * Records a MediaStream with MediaRecorder, nothing lost: a chunk every `timesliceMs` (≤ 1 s), each written to
 * IndexedDB as it arrives (src/lib/recording/chunkStore.ts), so a closed or crashed tab keeps all but the last
 * second, and `listUnfinished()`/`recover()` bring it back on the next start.
 *
 * The stream belongs to the caller (camera, screen, compositor, mixed audio): this composable never stops its
 * tracks, but it listens to them. A video track that ends (the browser's "Stop sharing", a camera unplugged) stops
 * the recording cleanly, as if Stop was pressed.
 */
import {
  computed,
  onScopeDispose,
  ref,
  shallowRef,
  toValue,
  type ComputedRef,
  type MaybeRefOrGetter,
  type Ref,
  type ShallowRef,
  type WritableComputedRef,
} from 'vue'
import { messageRef, msg, type Text } from '@/i18n/message'
import { errorText } from '@/lib/errorMessage'
import {
  appendChunk,
  createSession,
  describeStorageError,
  discardRecording,
  newRecordingId,
  updateSession,
} from '@/lib/recording/chunkStore'
import { probeBrowserFormat } from '@/lib/recording/browserProbe'
import { describeFormat, type RecordingFormat } from '@/lib/recording/formats'
import { finalizeRecording, holdLiveLock, type FinishedRecording } from '@/lib/recording/finalize'
import { useBusyWhile } from './useBusy'
import { limitMessage, limitReached, RecordingClock, willExceedSize, type RecordingLimits } from '@/lib/recording/limits'
import { firstVideoFrame } from '@/lib/recording/flowing'

/** `starting`: after the countdown, waiting (at most START_WAIT_MS) for the stream's picture and sound to flow. */
export type RecorderState = 'idle' | 'countdown' | 'starting' | 'recording' | 'paused' | 'stopping'
export type StopReason = 'user' | 'source-ended' | 'duration-limit' | 'size-limit' | 'storage-error' | 'recorder-error'

export interface UseRecorderOptions {
  /** The stream to record; read when `start()` is called. */
  stream: MaybeRefOrGetter<MediaStream | null | undefined>
  /**
   * Seconds of countdown before recording starts (0: none).
   * @default 3
   */
  countdownS?: MaybeRefOrGetter<number>
  /** Optional limits that stop the recording by themselves. */
  limits?: MaybeRefOrGetter<RecordingLimits | undefined>
  /**
   * MediaRecorder timeslice (100..1000 ms): about the most a crash can lose. Half a second keeps a crash's loss well
   * under the one-second promise, for two small IndexedDB writes a second.
   * @default 500
   */
  timesliceMs?: number
  /**
   * Key frame interval asked of the encoder: seek and trim granularity of the file.
   * @default 1000
   */
  keyFrameIntervalMs?: number
  /** Video bitrate; by default ~0.1 bit per pixel per frame at 30 fps, within 1–8 Mbit/s. */
  videoBitsPerSecond?: number
  /** Force a mime type (tests, benchmarks); by default the best one the browser really records. */
  mimeType?: string
  /** Stored with the session, e.g. 'screen', 'camera', 'pip'. */
  label?: MaybeRefOrGetter<string | undefined>
  /** Called with every finished recording (Stop, source ended, a limit). */
  onFinished?: (recording: FinishedRecording) => void
  /**
   * Awaited (with the video track's first frame, together at most START_WAIT_MS) before the recorder starts: resolve
   * it once the stream's other parts carry media, e.g. a Web Audio mix's `flowing()`. Stop cancels it through `signal`.
   */
  ready?: (timeoutMs: number, signal: AbortSignal) => Promise<unknown>
}

export interface UseRecorderReturn {
  /** MediaRecorder exists here. */
  isSupported: ComputedRef<boolean>
  state: Ref<RecorderState>
  /** Whole seconds left in the countdown. */
  countdown: Ref<number>
  /** Recorded time, pauses excluded. */
  elapsedMs: Ref<number>
  /** Bytes recorded so far. */
  bytes: Ref<number>
  /** A message for people, or null. */
  error: WritableComputedRef<string | null, Text | null>
  /** A note that is not an error (a limit stopped the recording, the source ended). */
  notice: WritableComputedRef<string | null, Text | null>
  /** The format in use (after start). */
  format: ShallowRef<RecordingFormat | null>
  /** Id of the recording in the chunk store (during and after a recording). */
  recordingId: Ref<string | null>
  stopReason: Ref<StopReason | null>
  /** The last finished recording. */
  result: ShallowRef<FinishedRecording | null>
  start(): Promise<void>
  pause(): void
  resume(): void
  /** Stops and builds the finished file; null if nothing was recording. */
  stop(reason?: StopReason): Promise<FinishedRecording | null>
}

/**
 * A recording that has written nothing this long after it started is stopped with a message. The format probe only
 * checks that the recorder starts (waiting for data would take too long); this catches a recorder that starts and
 * then records nothing (measured: Firefox with `vp8,opus` on a stream whose audio never produces samples).
 */
export const FIRST_DATA_TIMEOUT_MS = 5000

/**
 * Longest wait, after the countdown, for the stream to carry picture and sound before recording anyway (a source
 * that already runs answers in a frame or two; a compositor or mixer just started can take a second under load).
 */
export const START_WAIT_MS = 2500

function defaultBitrate(track: MediaStreamTrack | undefined): number {
  const s = track?.getSettings() ?? {}
  const px = (s.width ?? 1280) * (s.height ?? 720)
  return Math.round(Math.min(8e6, Math.max(1e6, px * 30 * 0.1)))
}

export function useRecorder(options: UseRecorderOptions): UseRecorderReturn {
  const timeslice = Math.min(1000, Math.max(100, options.timesliceMs ?? 500))
  const isSupported = computed(() => typeof window !== 'undefined' && typeof window.MediaRecorder === 'function')
  const state = ref<RecorderState>('idle')
  // An app update waits while this recorder runs (useAppUpdate.ts).
  useBusyWhile('recording', () => state.value !== 'idle')
  const countdown = ref(0)
  const elapsedMs = ref(0)
  const bytes = ref(0)
  // Message keys, not frozen texts: shown in the language of the moment.
  const error = messageRef()
  const notice = messageRef()
  const format = shallowRef<RecordingFormat | null>(null)
  const recordingId = ref<string | null>(null)
  const stopReason = ref<StopReason | null>(null)
  const result = shallowRef<FinishedRecording | null>(null)

  let recorder: MediaRecorder | null = null
  let clock = new RecordingClock()
  let writes: Promise<void> = Promise.resolve()
  let seq = 0
  let ticker: ReturnType<typeof setInterval> | undefined
  let countdownTimer: ReturnType<typeof setTimeout> | undefined
  let firstDataTimer: ReturnType<typeof setTimeout> | undefined
  let cancelCountdown: (() => void) | null = null
  let cancelStarting: AbortController | null = null
  let detachTracks: (() => void) | null = null
  let releaseLock: (() => void) | null = null
  let stopping: Promise<FinishedRecording | null> | null = null

  // Find the format now, while the person is still choosing a source, so that Start starts at once. (The probe is
  // cached per page and takes about 0.1 s, plus the first AudioContext's start-up in Chromium, about 0.2 s.)
  if (isSupported.value && !options.mimeType) void probeBrowserFormat(true).catch(() => undefined)

  function checkLimits() {
    const limits = toValue(options.limits) ?? {}
    const hit = limitReached(clock.elapsed(), bytes.value, limits) ?? (willExceedSize(bytes.value, seq, limits.maxBytes) ? 'size' : null)
    if (hit) {
      notice.value = limitMessage(hit)
      void stop(hit === 'duration' ? 'duration-limit' : 'size-limit')
    }
  }

  async function runCountdown(seconds: number): Promise<boolean> {
    if (seconds <= 0) return true
    state.value = 'countdown'
    countdown.value = Math.ceil(seconds)
    return new Promise<boolean>((resolve) => {
      cancelCountdown = () => {
        clearTimeout(countdownTimer)
        cancelCountdown = null
        resolve(false)
      }
      const tick = () => {
        countdown.value -= 1
        if (countdown.value <= 0) {
          cancelCountdown = null
          resolve(true)
        } else countdownTimer = setTimeout(tick, 1000)
      }
      countdownTimer = setTimeout(tick, 1000)
    })
  }

  async function start(): Promise<void> {
    if (state.value !== 'idle') return
    error.value = null
    notice.value = null
    stopReason.value = null
    if (!isSupported.value) {
      error.value = msg('feedback.recorder.noRecorder')
      return
    }
    const stream = toValue(options.stream)
    const video = stream?.getVideoTracks().find((t) => t.readyState === 'live')
    if (!stream || !video) {
      error.value = msg('feedback.recorder.noSource')
      return
    }
    const hasAudio = stream.getAudioTracks().some((t) => t.readyState === 'live')
    let fmt: RecordingFormat | null
    if (options.mimeType) fmt = describeFormat(options.mimeType)
    else {
      const probe = await probeBrowserFormat(hasAudio)
      fmt = probe.format
      if (!fmt) {
        error.value = msg('feedback.recorder.noFormat', { tried: probe.tried.map((p) => `${p.mimeType}: ${p.outcome}`).join('; ') })
        return
      }
    }
    const go = await runCountdown(toValue(options.countdownS) ?? 3)
    if (!go) {
      state.value = 'idle'
      return
    }
    // The counter and the file start when the picture and sound do, not before (see flowing.ts).
    state.value = 'starting'
    const starting = (cancelStarting = new AbortController())
    let rec: MediaRecorder
    const id = newRecordingId()
    try {
      await Promise.all([
        firstVideoFrame(video, START_WAIT_MS, starting.signal),
        options.ready?.(START_WAIT_MS, starting.signal).catch(() => undefined),
      ])
      if (starting.signal.aborted) {
        state.value = 'idle'
        return
      }
      if (video.readyState !== 'live') {
        state.value = 'idle'
        error.value = msg('feedback.recorder.sourceEnded')
        return
      }

      try {
        rec = new MediaRecorder(stream, {
          mimeType: fmt.mimeType,
          videoBitsPerSecond: options.videoBitsPerSecond ?? defaultBitrate(video),
          // Chromium: a key frame at least this often, so the file seeks and trims to the second.
          videoKeyFrameIntervalDuration: options.keyFrameIntervalMs ?? 1000,
        } as MediaRecorderOptions)
      } catch (err) {
        state.value = 'idle'
        error.value = msg('feedback.recorder.startFailed', { reason: err instanceof Error ? err.message : String(err) })
        return
      }
      const settings = video.getSettings()
      try {
        await createSession({
          id,
          mimeType: rec.mimeType || fmt.mimeType,
          startedAt: Date.now(),
          width: settings.width ?? null,
          height: settings.height ?? null,
          label: toValue(options.label),
        })
      } catch (err) {
        state.value = 'idle'
        error.value = describeStorageError(err)
        return
      }
    } finally {
      // Until the recorder runs, a Stop cancels the start (stop() aborts `starting`); every way out ends that.
      if (cancelStarting === starting) cancelStarting = null
    }
    if (starting.signal.aborted) {
      // Stopped while the session was being stored: nothing was recorded, so nothing is kept.
      await discardRecording(id).catch(() => undefined)
      state.value = 'idle'
      return
    }

    recorder = rec
    format.value = describeFormat(rec.mimeType || fmt.mimeType)
    recordingId.value = id
    result.value = null
    bytes.value = 0
    elapsedMs.value = 0
    seq = 0
    writes = Promise.resolve()
    clock = new RecordingClock()
    const live = new Promise<void>((resolve) => (releaseLock = resolve))
    holdLiveLock(id, live)

    rec.ondataavailable = (e) => {
      if (!e.data || e.data.size === 0) return
      const n = seq++
      bytes.value += e.data.size
      const data = e.data
      const elapsed = clock.elapsed()
      writes = writes
        .then(() => appendChunk(id, n, data, { elapsedMs: elapsed }))
        .catch((err: unknown) => {
          error.value = describeStorageError(err)
          if (recorder === rec && state.value !== 'stopping') void stop('storage-error')
        })
      if (state.value === 'recording') checkLimits()
    }
    rec.onerror = (e) => {
      const detail = (e as unknown as { error?: DOMException }).error
      error.value = detail
        ? msg('feedback.recorder.recorderErrorDetail', { detail: `${detail.name}: ${detail.message}` })
        : msg('feedback.recorder.recorderError')
      void stop('recorder-error')
    }

    const onEnded = () => {
      if (recorder !== rec) return
      notice.value = msg('feedback.recorder.sourceStopped')
      void stop('source-ended')
    }
    video.addEventListener('ended', onEnded)
    detachTracks = () => video.removeEventListener('ended', onEnded)

    try {
      rec.start(timeslice)
    } catch (err) {
      detachTracks()
      releaseLock?.()
      recorder = null
      state.value = 'idle'
      error.value = msg('feedback.recorder.startFailed', { reason: err instanceof Error ? err.message : String(err) })
      return
    }
    clock.start()
    state.value = 'recording'
    firstDataTimer = setTimeout(() => {
      if (recorder !== rec || bytes.value > 0 || state.value !== 'recording') return
      error.value = msg('feedback.recorder.noData', { mimeType: String(format.value?.mimeType), seconds: FIRST_DATA_TIMEOUT_MS / 1000 })
      void stop('recorder-error')
    }, FIRST_DATA_TIMEOUT_MS)
    ticker = setInterval(() => {
      elapsedMs.value = clock.elapsed()
      if (state.value === 'recording') checkLimits()
    }, 250)
  }

  function pause() {
    if (state.value !== 'recording' || !recorder) return
    recorder.pause()
    clock.pause()
    state.value = 'paused'
    // Hand over what was recorded before the pause now, not a second later.
    recorder.requestData()
    if (recordingId.value) void updateSession(recordingId.value, { state: 'paused' }).catch(() => undefined)
  }

  function resume() {
    if (state.value !== 'paused' || !recorder) return
    recorder.resume()
    clock.resume()
    state.value = 'recording'
    if (recordingId.value) void updateSession(recordingId.value, { state: 'recording' }).catch(() => undefined)
  }

  function stop(reason: StopReason = 'user'): Promise<FinishedRecording | null> {
    if (state.value === 'countdown') {
      cancelCountdown?.()
      return Promise.resolve(null)
    }
    if (state.value === 'starting') {
      cancelStarting?.abort()
      return Promise.resolve(null)
    }
    if (stopping) return stopping
    const rec = recorder
    const id = recordingId.value
    if (!rec || !id || (state.value !== 'recording' && state.value !== 'paused')) return Promise.resolve(null)
    stopReason.value = reason
    state.value = 'stopping'
    clock.pause()
    elapsedMs.value = clock.elapsed()
    clearInterval(ticker)
    clearTimeout(firstDataTimer)
    detachTracks?.()
    detachTracks = null
    stopping = (async () => {
      try {
        if (rec.state !== 'inactive') {
          // The last chunk arrives before `stop`.
          await new Promise<void>((resolve) => {
            rec.addEventListener('stop', () => resolve(), { once: true })
            rec.stop()
          })
        }
        await writes
        await updateSession(id, { state: 'stopped', elapsedMs: elapsedMs.value })
        const finished = await finalizeRecording(id)
        result.value = finished
        options.onFinished?.(finished)
        return finished
      } catch (err) {
        if (bytes.value === 0) {
          // Nothing was recorded: nothing to offer for recovery either.
          await discardRecording(id).catch(() => undefined)
          error.value ??= msg('feedback.recorder.nothingRecorded')
        } else {
          error.value ??= msg('feedback.recorder.finishFailed', { reason: errorText(err) })
        }
        return null
      } finally {
        recorder = null
        releaseLock?.()
        releaseLock = null
        stopping = null
        state.value = 'idle'
      }
    })()
    return stopping
  }

  onScopeDispose(() => {
    // Leaving the page mid-recording keeps what was recorded: stop cleanly (chunks are already stored).
    cancelCountdown?.()
    cancelStarting?.abort()
    clearInterval(ticker)
    clearTimeout(firstDataTimer)
    if (recorder) void stop('user')
  })

  return {
    isSupported,
    state,
    countdown,
    elapsedMs,
    bytes,
    error,
    notice,
    format,
    recordingId,
    stopReason,
    result,
    start,
    pause,
    resume,
    stop,
  }
}
