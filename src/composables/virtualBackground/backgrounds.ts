/**
 * Background pictures and videos: resolving what the user chose (a file, a URL, a built-in background),
 * decoding and scaling pictures, playing videos in a hidden `<video>`, and the object URLs of uploads
 * (revoked when replaced or disposed). The pixels go to the pipeline through `sendImage` / `setVideo`.
 */
import type { Ref, WritableComputedRef } from 'vue'
import { msg, type Text } from '@/i18n/message'
import { BUILTIN_BACKGROUNDS, type BackgroundSourceRef, type VirtualBackgroundSettings } from '@/lib/virtualBackground/settings'
import { classifyBackgroundFile, classifyBackgroundUrl, planDownscale, type BackgroundKind } from '@/lib/virtualBackground/upload'
import { hiddenVideo } from '@/lib/hiddenVideo'
import { describe } from './pipeline'

export interface BackgroundsOptions {
  window: Window & typeof globalThis
  baseUrl: string
  settings: Ref<VirtualBackgroundSettings>
  error: WritableComputedRef<string | null, Text | null>
  notice: WritableComputedRef<string | null, Text | null>
  /** Sends the decoded picture to the compositor (ownership passes on). */
  sendImage(bitmap: ImageBitmap): void
  /** Tells the pipeline which playing video to composite (null: none). */
  setVideo(video: HTMLVideoElement | null): void
}

export interface Backgrounds {
  /** A picture or video the user chose; `expect` null decides by the file's type. Resolves false (with `error`) when it cannot be used. */
  apply(source: File | Blob | string, expect: BackgroundKind | null): Promise<boolean>
  /** Loads what the settings ask for (built-in and URL backgrounds a store restored), pauses a video the mode no longer shows. */
  sync(): Promise<void>
  dispose(): void
}

interface LoadedVideo {
  key: string
  url: string
  /** An object URL of ours (an upload), revoked when this video is replaced. */
  owned: boolean
  label: string
  element: HTMLVideoElement | null
}

export function createBackgrounds(o: BackgroundsOptions): Backgrounds {
  const { settings, error, notice } = o
  const doc = o.window.document
  let disposed = false
  let loadedImageKey: string | null = null
  let video: LoadedVideo | null = null

  function resolveRef(ref: BackgroundSourceRef): string | null {
    if (ref.kind === 'builtin') {
      const b = BUILTIN_BACKGROUNDS.find((x) => x.id === ref.id)
      return b ? o.baseUrl + b.path : null
    }
    return ref.kind === 'url' ? ref.url : null
  }

  async function loadImage(blob: Blob, label: string): Promise<boolean> {
    let full: ImageBitmap
    try {
      // Decoded off the main thread by the browser.
      full = await o.window.createImageBitmap(blob)
    } catch {
      error.value = msg('feedback.background.notDecoded', { label })
      return false
    }
    let bitmap = full
    const plan = planDownscale(full.width, full.height)
    if (plan.scaled) {
      bitmap = await o.window.createImageBitmap(full, { resizeWidth: plan.width, resizeHeight: plan.height, resizeQuality: 'high' })
      full.close()
      notice.value = plan.message ?? null
    }
    if (disposed) {
      bitmap.close()
      return false
    }
    o.sendImage(bitmap)
    return true
  }

  /** Stops playing (the mode no longer shows it); the URL is kept so the video mode can come back to it. */
  function pauseVideo() {
    const el = video?.element
    if (!el) return
    o.setVideo(null)
    el.pause()
    el.removeAttribute('src')
    el.load()
    video!.element = null
  }

  function dropVideo() {
    pauseVideo()
    if (video?.owned) URL.revokeObjectURL(video.url)
    video = null
  }

  async function play(v: LoadedVideo): Promise<boolean> {
    const el = hiddenVideo(doc)
    el.loop = true
    el.src = v.url
    v.element = el
    try {
      await new Promise<void>((resolve, reject) => {
        el.addEventListener('loadeddata', () => resolve(), { once: true })
        el.addEventListener('error', () => reject(new Error(el.error?.message || 'unsupported format')), { once: true })
      })
      await el.play()
    } catch (err) {
      if (video === v) dropVideo()
      error.value = msg('feedback.background.notPlayable', { label: v.label, reason: describe(err) })
      return false
    }
    if (video !== v || v.element !== el || disposed) return false
    o.setVideo(el)
    return true
  }

  async function loadVideo(next: Omit<LoadedVideo, 'element'>): Promise<boolean> {
    // Replaced: the previous upload's object URL is revoked here.
    dropVideo()
    const v: LoadedVideo = { ...next, element: null }
    video = v
    return play(v)
  }

  async function fetchBlob(url: string): Promise<Blob | null> {
    try {
      const res = await o.window.fetch(url)
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      return await res.blob()
    } catch (err) {
      error.value = msg('feedback.background.loadFailed', { url, reason: describe(err) })
      return null
    }
  }

  function resolveSource(source: File | Blob | string, expect: BackgroundKind) {
    if (typeof source === 'string') {
      const builtin = BUILTIN_BACKGROUNDS.find((b) => b.id === source)
      const url = builtin ? o.baseUrl + builtin.path : source
      const ref: BackgroundSourceRef = builtin ? { kind: 'builtin', id: builtin.id } : { kind: 'url', url }
      const kind = classifyBackgroundUrl(url) ?? expect
      return { ok: true as const, kind, url, blob: null, ref, label: builtin?.label ?? url }
    }
    const name = source instanceof File ? source.name : 'upload'
    const verdict = classifyBackgroundFile({ name, type: source.type, size: source.size })
    if (!verdict.ok) return { ok: false as const, message: verdict.message }
    return {
      ok: true as const,
      kind: verdict.kind,
      url: null,
      blob: source,
      ref: { kind: 'upload', name } as BackgroundSourceRef,
      label: name,
    }
  }

  let uploads = 0

  return {
    async apply(source, expect) {
      const r = resolveSource(source, expect ?? 'image')
      if (!r.ok) {
        error.value = r.message
        return false
      }
      if (expect && r.kind !== expect) {
        error.value =
          expect === 'image'
            ? msg('feedback.background.isVideo', { label: r.label })
            : msg('feedback.background.isPicture', { label: r.label })
        return false
      }
      error.value = null
      notice.value = null
      const key = r.ref.kind === 'upload' ? `upload:${r.ref.name}:${++uploads}` : JSON.stringify(r.ref)
      if (r.kind === 'image') {
        const blob = r.blob ?? (await fetchBlob(r.url!))
        const ok = !!blob && (await loadImage(blob, r.label))
        if (ok) {
          loadedImageKey = key
          settings.value.image = r.ref
          settings.value.mode = 'image'
        }
        return ok
      }
      const url = r.blob ? URL.createObjectURL(r.blob) : r.url!
      const ok = await loadVideo({ key, url, owned: !!r.blob, label: r.label })
      if (ok) {
        settings.value.video = r.ref
        settings.value.mode = 'video'
      }
      return ok
    },

    async sync() {
      const s = settings.value
      if (s.mode === 'image' && s.image && s.image.kind !== 'upload' && loadedImageKey !== JSON.stringify(s.image)) {
        const url = resolveRef(s.image)
        loadedImageKey = JSON.stringify(s.image)
        const blob = url ? await fetchBlob(url) : null
        if (blob) await loadImage(blob, url!)
      } else if (s.mode === 'image' && s.image?.kind === 'upload' && !loadedImageKey?.startsWith('upload:')) {
        notice.value = msg('feedback.background.choosePictureAgain', { name: s.image.name })
      }
      if (s.mode !== 'video') {
        // A hidden video playing for nothing costs a decoder; it stops until the video mode is back.
        pauseVideo()
        return
      }
      const wanted = s.video && s.video.kind !== 'upload' ? JSON.stringify(s.video) : null
      if (wanted && video?.key !== wanted) {
        const url = resolveRef(s.video!)
        if (url) await loadVideo({ key: wanted, url, owned: false, label: url })
      } else if (video && !video.element) {
        await play(video)
      } else if (!video && s.video?.kind === 'upload') {
        notice.value = msg('feedback.background.chooseVideoAgain', { name: s.video.name })
      }
    },

    dispose() {
      disposed = true
      dropVideo()
    },
  }
}
