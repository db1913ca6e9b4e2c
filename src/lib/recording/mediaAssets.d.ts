/** URLs of the self-hosted runtime files, provided by build/mediaAssets.ts (absolute, same origin). */
declare module 'virtual:media-assets' {
  /** @ffmpeg/core (single thread), ESM build. */
  export const ffmpegCoreURL: string
  export const ffmpegWasmURL: string
  /** @ffmpeg/core-mt: only usable when the page is cross-origin isolated (SharedArrayBuffer). */
  export const ffmpegCoreMtURL: string
  export const ffmpegWasmMtURL: string
  export const ffmpegWorkerMtURL: string
  /** gif.js's encoder worker. */
  export const gifWorkerURL: string
}

/** @ffmpeg/ffmpeg's own worker, bundled by Vite as a module worker; its URL is handed to FFmpeg.load(). */
declare module '@ffmpeg/ffmpeg/worker?worker&url' {
  const url: string
  export default url
}
