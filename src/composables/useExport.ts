/**
 * Export of a recording to webm, mp4 or gif, for a view: progress (0..1, honest and monotonic), cancel, the result
 * and its size, and an error in words. The heavy parts load only when first used and run off the main thread: the
 * export worker (decode, scale, encode, quantize, mux), ffmpeg.wasm's worker, gif.js's workers.
 * The recording itself is only read: a failed or cancelled export never touches it.
 */
import { computed, onScopeDispose, ref, shallowRef, type ComputedRef, type Ref, type ShallowRef, type WritableComputedRef } from 'vue'
import type { ExportFormat, ExportRequest, ExportResult } from '@/workers/export/exportRecording'
import type { GifOptions } from '@/lib/recording/gifOptions'
import type { Mp4Settings } from '@/lib/recording/exportSettings'
import type { TrimRange } from '@/lib/recording/trim'
import { messageRef, msg, type Text } from '@/i18n/message'
import { errorText } from '@/lib/errorMessage'
import { useBusyWhile } from './useBusy'

export type { ExportFormat, ExportResult }
export type ExportState = 'idle' | 'running' | 'done' | 'error' | 'cancelled'

export interface ExportOptions {
  format: ExportFormat
  /** Start/end in seconds of the recording. */
  trim?: Partial<TrimRange> | null
  gif?: Partial<GifOptions>
  /** Resolution, quality or size limit, frame rate of an MP4. */
  mp4?: Partial<Mp4Settings>
  /** @default 'aac' */
  mp4Audio?: 'aac' | 'copy'
}

export interface UseExportReturn {
  state: Ref<ExportState>
  /** 0..1 while running. */
  progress: Ref<number>
  /** The last finished export (blob, size, mime, ext, path). */
  result: ShallowRef<ExportResult | null>
  /** Read as text in the current language; set with a message (or null). */
  error: WritableComputedRef<string | null, Text | null>
  running: ComputedRef<boolean>
  /** Exports `input`; resolves with the result, or null when cancelled or failed (see `error`). */
  run(input: Blob, options: ExportOptions): Promise<ExportResult | null>
  cancel(): void
  /** An object URL for the result (revoked on the next run and on scope disposal). */
  resultUrl: ComputedRef<string | null>
}

const FORMAT_NAME: Record<ExportFormat, string> = { webm: 'WebM', mp4: 'MP4', gif: 'GIF' }

export function useExport(): UseExportReturn {
  const state = ref<ExportState>('idle')
  const progress = ref(0)
  const result = shallowRef<ExportResult | null>(null)
  // A message key, not a frozen text: shown in the language of the moment.
  const error = messageRef()
  let controller: AbortController | null = null
  let url: string | null = null
  // An app update waits while an export runs (useAppUpdate.ts).
  useBusyWhile('export', () => state.value === 'running')

  const resultUrl = computed(() => {
    if (url) URL.revokeObjectURL(url)
    url = result.value ? URL.createObjectURL(result.value.blob) : null
    return url
  })

  async function run(input: Blob, options: ExportOptions): Promise<ExportResult | null> {
    controller?.abort()
    const ac = new AbortController()
    controller = ac
    state.value = 'running'
    progress.value = 0
    error.value = null
    result.value = null
    try {
      const { exportRecording } = await import('@/workers/export/exportRecording')
      const req: ExportRequest = {
        input,
        format: options.format,
        trim: options.trim,
        gif: options.gif,
        mp4: options.mp4,
        mp4Audio: options.mp4Audio,
        signal: ac.signal,
        onProgress: (p) => {
          if (controller === ac) progress.value = p
        },
      }
      const r = await exportRecording(req)
      if (controller !== ac) return null
      result.value = r
      progress.value = 1
      state.value = 'done'
      return r
    } catch (err) {
      if (controller !== ac) return null
      const { isAbortError } = await import('@/workers/export/exportRecording')
      if (ac.signal.aborted || isAbortError(err)) {
        state.value = 'cancelled'
      } else {
        state.value = 'error'
        error.value = msg('feedback.exportFailed', { format: FORMAT_NAME[options.format], reason: errorText(err) })
      }
      return null
    } finally {
      if (controller === ac) controller = null
    }
  }

  function cancel() {
    controller?.abort()
  }

  onScopeDispose(() => {
    controller?.abort()
    if (url) URL.revokeObjectURL(url)
  })

  return { state, progress, result, error, running: computed(() => state.value === 'running'), run, cancel, resultUrl }
}
