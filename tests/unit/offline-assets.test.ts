import { describe, expect, test } from 'vitest'
import { featureFiles, isReady, type VendorUrls } from '@/lib/offline/assets'

const base = 'https://studio.test/assets/vendor/'
const urls: VendorUrls = {
  ffmpegCoreURL: `${base}@ffmpeg/core@1/ffmpeg-core.js`,
  ffmpegWasmURL: `${base}@ffmpeg/core@1/ffmpeg-core.wasm`,
  ffmpegCoreMtURL: `${base}@ffmpeg/core-mt@1/ffmpeg-core.js`,
  ffmpegWasmMtURL: `${base}@ffmpeg/core-mt@1/ffmpeg-core.wasm`,
  ffmpegWorkerMtURL: `${base}@ffmpeg/core-mt@1/ffmpeg-core.worker.js`,
  gifWorkerURL: `${base}gif.js@0.2.0/gif.worker.js`,
  mediapipeAssetBase: `${base}@mediapipe/selfie_segmentation@1/`,
}
const mp = (f: string) => urls.mediapipeAssetBase + f

describe('which cached files make a feature work offline', () => {
  test('MP4 needs a core the page can run: multi-thread (cross-origin isolated only) or the single-thread fallback', () => {
    const mt = featureFiles('mp4', urls, { crossOriginIsolated: true })
    const st = featureFiles('mp4', urls, { crossOriginIsolated: false })
    const mtCached = new Set([urls.ffmpegCoreMtURL, urls.ffmpegWasmMtURL, urls.ffmpegWorkerMtURL])
    const stCached = new Set([urls.ffmpegCoreURL, urls.ffmpegWasmURL])
    expect(isReady(mt, mtCached)).toBe(true)
    expect(isReady(st, mtCached)).toBe(false)
    expect(isReady(st, stCached)).toBe(true)
    // Cross-origin isolated with only the single-thread core cached (Firefox, where the multi-thread one failed and
    // the single-thread one did the export): ffmpegClient.ts falls back to it, so MP4 works offline.
    expect(isReady(mt, stCached)).toBe(true)
    expect(isReady(mt, new Set())).toBe(false)
    // The wasm alone (its loader missing) is not enough.
    expect(isReady(mt, new Set([urls.ffmpegWasmMtURL, urls.ffmpegWorkerMtURL]))).toBe(false)
  })

  test("GIF needs gif.js's worker", () => {
    expect(isReady(featureFiles('gif', urls, { crossOriginIsolated: true }), new Set())).toBe(false)
    expect(isReady(featureFiles('gif', urls, { crossOriginIsolated: true }), new Set([urls.gifWorkerURL]))).toBe(true)
  })

  test('person detection needs the loader, graph, chosen model and one wasm build (SIMD or plain)', () => {
    const common = ['selfie_segmentation.js', 'selfie_segmentation.binarypb'].map(mp)
    const simd = ['selfie_segmentation_solution_simd_wasm_bin.js', 'selfie_segmentation_solution_simd_wasm_bin.wasm'].map(mp)
    const plain = ['selfie_segmentation_solution_wasm_bin.js', 'selfie_segmentation_solution_wasm_bin.wasm'].map(mp)
    const landscape = featureFiles('segmentation', urls, { crossOriginIsolated: true, model: 'landscape' })
    const general = featureFiles('segmentation', urls, { crossOriginIsolated: true, model: 'general' })
    const withLandscape = new Set([...common, ...simd, mp('selfie_segmentation_landscape.tflite')])
    expect(isReady(landscape, withLandscape)).toBe(true)
    expect(isReady(general, withLandscape)).toBe(false)
    expect(isReady(general, new Set([...common, ...plain, mp('selfie_segmentation.tflite')]))).toBe(true)
    // Half of each build is no build.
    expect(isReady(landscape, new Set([...common, simd[0]!, plain[1]!, mp('selfie_segmentation_landscape.tflite')]))).toBe(false)
  })
})
