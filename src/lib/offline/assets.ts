/**
 * The heavy runtime files the service worker caches on first use (not at install), and which of them each feature
 * needs before it can run with no network. Pure: shared by the service worker (src/sw.ts), the app
 * (src/composables/useOfflineReady.ts) and unit tests.
 */

/** Cache Storage name of the runtime-cached vendor files (ffmpeg cores, MediaPipe, gif.js worker). */
export const VENDOR_CACHE = 'media-studio-vendor-v1'

/** Where build/mediaAssets.ts and build/mediapipeAssets.ts put those files, below the app's base URL. */
export const VENDOR_DIR = 'assets/vendor/'

/** Features that work offline only once their files were fetched online (WebM export and photos always do). */
export type OfflineFeature = 'mp4' | 'gif' | 'segmentation'

export interface VendorUrls {
  ffmpegCoreURL: string
  ffmpegWasmURL: string
  ffmpegCoreMtURL: string
  ffmpegWasmMtURL: string
  ffmpegWorkerMtURL: string
  gifWorkerURL: string
  /** Directory of @mediapipe/selfie_segmentation, ending in '/'. */
  mediapipeAssetBase: string
}

/**
 * The URLs a feature loads, as alternatives: the feature is ready when every URL of any one alternative is cached.
 * - mp4: an ffmpeg core this page can run: multi-thread when cross-origin isolated, or the single-thread one, which
 *   ffmpegClient.ts falls back to when the multi-thread one fails to load (offline: is not cached) or failed in this
 *   browser before (Firefox, where it was the one used and so the one cached);
 * - gif: gif.js's worker;
 * - segmentation: MediaPipe's loader, graph and the chosen model, with its SIMD build (or the plain one, which
 *   browsers without wasm SIMD load instead).
 */
export function featureFiles(
  feature: OfflineFeature,
  urls: VendorUrls,
  opts: { crossOriginIsolated: boolean; model?: 'general' | 'landscape' },
): string[][] {
  switch (feature) {
    case 'mp4': {
      const st = [urls.ffmpegCoreURL, urls.ffmpegWasmURL]
      return opts.crossOriginIsolated ? [[urls.ffmpegCoreMtURL, urls.ffmpegWasmMtURL, urls.ffmpegWorkerMtURL], st] : [st]
    }
    case 'gif':
      return [[urls.gifWorkerURL]]
    case 'segmentation': {
      const b = urls.mediapipeAssetBase
      const common = [
        'selfie_segmentation.js',
        'selfie_segmentation.binarypb',
        opts.model === 'landscape' ? 'selfie_segmentation_landscape.tflite' : 'selfie_segmentation.tflite',
      ]
      // (The SIMD build's .data file is empty and never fetched.)
      const simd = ['selfie_segmentation_solution_simd_wasm_bin.js', 'selfie_segmentation_solution_simd_wasm_bin.wasm']
      const plain = ['selfie_segmentation_solution_wasm_bin.js', 'selfie_segmentation_solution_wasm_bin.wasm']
      return [[...common, ...simd].map((f) => b + f), [...common, ...plain].map((f) => b + f)]
    }
  }
}

/** Whether every file of at least one alternative is among `cached` (absolute URLs). */
export function isReady(alternatives: string[][], cached: ReadonlySet<string>): boolean {
  return alternatives.some((files) => files.every((f) => cached.has(f)))
}
