/** Provided by build/mediapipeAssets.ts: where the @mediapipe/selfie_segmentation files are served. */
declare module 'virtual:mediapipe-assets' {
  /** Absolute URL of the directory holding the files, ending in '/'. */
  export const mediapipeAssetBase: string
}
