import { ref, onScopeDispose, toValue, type MaybeRefOrGetter, type Ref, type WritableComputedRef } from 'vue'
import { burstLooks, cssFilter, previewToFrameScale, type FilterSetting } from '@/lib/filters'
import { applyFilter, contextFilterWorks } from '@/lib/filterPixels'
import { extensionFor, timestampedName, type PhotoFormat } from '@/lib/format'
import { makeThumbnail } from '@/stores/thumbnail'
import { MessageError, messageRef, msg, type Text } from '@/i18n/message'
import { errorText } from '@/lib/errorMessage'
import { useGalleryStore, type GalleryItem } from '@/stores/gallery'

export interface UsePhotoCaptureOptions {
  /** The preview element: photos are taken from its current frame at the stream's full size. */
  video: MaybeRefOrGetter<HTMLVideoElement | null | undefined>
  filters: MaybeRefOrGetter<readonly FilterSetting[]>
  mirror: MaybeRefOrGetter<boolean>
  format: MaybeRefOrGetter<PhotoFormat>
  /** Count 3-2-1 before the shot. */
  countdown: MaybeRefOrGetter<boolean>
}

export interface UsePhotoCaptureReturn {
  /** Seconds left in a running countdown, 0 when none runs. */
  secondsLeft: Ref<number>
  busy: Ref<boolean>
  error: WritableComputedRef<string | null, Text | null>
  notice: WritableComputedRef<string | null, Text | null>
  lastPhoto: Ref<GalleryItem | null>
  take: () => Promise<GalleryItem | null>
  /** One photo per filter, each filter alone: a contact sheet of looks. */
  burst: () => Promise<GalleryItem[]>
  cancel: () => void
}

const COUNTDOWN_S = 3
const QUALITY = 0.92

export function usePhotoCapture(options: UsePhotoCaptureOptions): UsePhotoCaptureReturn {
  const gallery = useGalleryStore()
  const secondsLeft = ref(0)
  const busy = ref(false)
  // Messages (keys and values), shown in the language of the moment.
  const error = messageRef()
  const notice = messageRef()
  const lastPhoto = ref<GalleryItem | null>(null)
  let cancelCountdown: (() => void) | undefined

  function frameSource(): HTMLVideoElement {
    const video = toValue(options.video)
    if (!video || !video.videoWidth || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) {
      throw new MessageError(msg('feedback.photo.nothing'))
    }
    return video
  }

  /** How many frame pixels one CSS pixel of the preview covers, so blur and shadow look the same in the photo. */
  function pxScale(video: HTMLVideoElement): number {
    const box = video.getBoundingClientRect()
    return previewToFrameScale(video.videoWidth, video.videoHeight, box.width, box.height)
  }

  async function shoot(video: HTMLVideoElement, filter: string, look?: string): Promise<GalleryItem> {
    const w = video.videoWidth
    const h = video.videoHeight
    const canvas = new OffscreenCanvas(w, h)
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new MessageError(msg('feedback.photo.noCanvas'))
    // Where the context ignores `filter` (Safari, WebKit), the same filters are computed on the pixels, so the photo
    // still looks like the CSS-filtered preview.
    const onPixels = filter !== 'none' && !contextFilterWorks(ctx)
    if (!onPixels) ctx.filter = filter
    if (toValue(options.mirror)) ctx.setTransform(-1, 0, 0, 1, w, 0)
    ctx.drawImage(video, 0, 0, w, h)
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    if (onPixels) ctx.putImageData(applyFilter(ctx.getImageData(0, 0, w, h), filter) as ImageData, 0, 0)
    const wanted = toValue(options.format)
    const blob = await canvas.convertToBlob({ type: wanted, quality: QUALITY })
    if (blob.type !== wanted) {
      notice.value = msg('feedback.photo.savedAs', {
        wanted: extensionFor(wanted).toUpperCase(),
        actual: extensionFor(blob.type).toUpperCase(),
      })
    }
    const createdAt = Date.now()
    const thumb = await makeThumbnail(canvas, w, h)
    return gallery.add(
      {
        id: crypto.randomUUID(),
        kind: 'photo',
        name: timestampedName(look ? `photo-${look}` : 'photo', new Date(createdAt), extensionFor(blob.type)),
        createdAt,
        mime: blob.type,
        size: blob.size,
        width: w,
        height: h,
        filter,
        thumb,
      },
      blob,
    )
  }

  function countdown(): Promise<boolean> {
    if (!toValue(options.countdown)) return Promise.resolve(true)
    return new Promise((resolve) => {
      secondsLeft.value = COUNTDOWN_S
      const timer = setInterval(() => {
        secondsLeft.value -= 1
        if (secondsLeft.value <= 0) finish(true)
      }, 1000)
      function finish(go: boolean) {
        clearInterval(timer)
        secondsLeft.value = 0
        cancelCountdown = undefined
        resolve(go)
      }
      cancelCountdown = () => finish(false)
    })
  }

  async function run<T>(work: () => Promise<T>): Promise<T | null> {
    if (busy.value) return null
    busy.value = true
    error.value = null
    notice.value = null
    try {
      frameSource()
      if (!(await countdown())) return null
      return await work()
    } catch (err) {
      error.value = errorText(err)
      return null
    } finally {
      busy.value = false
    }
  }

  async function take() {
    return run(async () => {
      const video = frameSource()
      const photo = await shoot(video, cssFilter(toValue(options.filters), pxScale(video)))
      lastPhoto.value = photo
      return photo
    })
  }

  async function burst() {
    const taken = await run(async () => {
      const video = frameSource()
      const scale = pxScale(video)
      const out: GalleryItem[] = []
      for (const look of burstLooks()) out.push(await shoot(video, look.filter(scale), look.id))
      lastPhoto.value = out.at(-1) ?? null
      return out
    })
    return taken ?? []
  }

  function cancel() {
    cancelCountdown?.()
  }

  onScopeDispose(cancel)

  return { secondsLeft, busy, error, notice, lastPhoto, take, burst, cancel }
}
