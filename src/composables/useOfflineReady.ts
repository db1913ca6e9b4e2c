/**
 * Whether a feature that loads heavy files on first use (MP4 and GIF export, person detection) can run right now:
 * online it always can; offline only if the service worker cached its files during an earlier online use
 * (src/sw.ts, src/lib/offline/assets.ts). `message` says plainly what is missing, for the view to show instead of
 * letting the feature fail.
 */
import { computed, ref, toValue, watch, type ComputedRef, type MaybeRefOrGetter } from 'vue'
import { useOnline } from '@vueuse/core'
// Already in the first view's bundle (the virtual background imports it); the ffmpeg/gif URLs are loaded when needed.
import { mediapipeAssetBase } from 'virtual:mediapipe-assets'
import { featureFiles, isReady, VENDOR_CACHE, type OfflineFeature } from '@/lib/offline/assets'
import { t } from '@/i18n'

export interface UseOfflineReadyReturn {
  online: Readonly<import('vue').Ref<boolean>>
  /** The feature can run now (online, or its files are cached). */
  available: ComputedRef<boolean>
  /** What to tell the person when it cannot, else null. */
  message: ComputedRef<string | null>
}

/** URLs in the vendor cache; read again whenever the connection changes or a feature asks. */
async function cachedVendorUrls(): Promise<Set<string>> {
  if (typeof caches === 'undefined' || !(await caches.has(VENDOR_CACHE))) return new Set()
  const cache = await caches.open(VENDOR_CACHE)
  return new Set((await cache.keys()).map((r) => r.url))
}

export function useOfflineReady(
  feature: MaybeRefOrGetter<OfflineFeature | null>,
  options: { model?: MaybeRefOrGetter<'general' | 'landscape' | undefined> } = {},
): UseOfflineReadyReturn {
  const online = useOnline()
  /** Whether the feature's files are cached; null until the check for the current feature has finished. */
  const cached = ref<boolean | null>(null)

  watch(
    [() => toValue(feature), () => toValue(options.model), online],
    async ([f, model, isOnline], _old, onCleanup) => {
      let stale = false
      onCleanup(() => (stale = true))
      cached.value = null
      if (!f || isOnline) return
      const media = await import('virtual:media-assets')
      const files = featureFiles(
        f,
        { ...media, mediapipeAssetBase },
        { crossOriginIsolated: globalThis.crossOriginIsolated === true, model },
      )
      const ready = isReady(files, await cachedVendorUrls().catch(() => new Set<string>()))
      if (!stale) cached.value = ready
    },
    { immediate: true },
  )

  // While the (few-millisecond) check runs, nothing is claimed missing.
  const available = computed(() => !toValue(feature) || online.value || cached.value !== false)
  const message = computed(() => {
    const f = toValue(feature)
    return f && !available.value ? t(`offline.notReady.${f}`) : null
  })
  return { online, available, message }
}
