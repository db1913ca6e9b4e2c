/**
 * Person segmentation with @mediapipe/selfie_segmentation, in a classic (non-module) worker.
 *
 * Why this runtime (measured on the 2-core, GPU-less target machine, see docs/testing.md):
 * - `@mediapipe/tasks-vision` refuses this package's .tflite files (no metadata), and
 *   `@tensorflow/tfjs-tflite` lacks MediaPipe's custom op `Convolution2DTransposeBias`; no other
 *   TFLite wasm runtime is available to us as a package. The package's own wasm *is* a SIMD TFLite
 *   runtime (XNNPACK), so we run that, in a worker, and feed it what makes it fast:
 * - CPU inference (`useCpuInference`): its default GPU inference runs on software WebGL here
 *   (~100 ms per mask); the XNNPACK CPU path runs the landscape model in a few ms.
 * - A 256x144 (or 256x256) input made by the compositor: scaling inside the graph, not the model,
 *   was most of the package's 43 ms per frame on a 640x480 page. Measured here: ~10 ms per mask
 *   (landscape) and ~19 ms (general), whole send() included, versus 13/20 ms on the page path.
 * - The legacy loader's worker path `importScripts()` every file it wants, the .tflite model too
 *   (a known MediaPipe bug: a model is not a script). We hand it an importScripts that imports the
 *   scripts and skips the rest; the model still arrives, through the solution's own fetch +
 *   overrideFile (the `modelSelection` option's onChange), which is why we always set that option.
 * - Its worker path also forgets the WebGL context it uploads input frames with (`K` below, a
 *   minified field of this pinned package version, 0.1.1675465747, the last one published), so we
 *   hand it the context it created on its own OffscreenCanvas.
 * Every MediaPipe-specific detail lives in this file.
 *
 * Messages: SegmenterInit from the main thread (with the port to the compositor), then
 * SegmenterRequest / SegmenterReply on that port; SegmenterStatus to the main thread.
 */
// No import or export statement: this file must stay a classic script (Vite would otherwise emit
// `export {}`, which a classic worker cannot run). Types come in as import() types; the code is
// wrapped in a function so its names stay out of the global scope.
type SegmentationModel = import('@/lib/virtualBackground/settings').SegmentationModel
type SegmenterInit = import('./protocol').SegmenterInit
type SegmenterReply = import('./protocol').SegmenterReply
type SegmenterRequest = import('./protocol').SegmenterRequest
type SegmenterStatus = import('./protocol').SegmenterStatus
type SegmenterFailure = import('./protocol').SegmenterFailure

interface MpResults {
  segmentationMask?: ImageBitmap
  image?: ImageBitmap
}
interface MpSolutionInternals {
  /** The OffscreenCanvas the worker path created its WebGL context on. */
  m?: OffscreenCanvas
  /** The context input frames are uploaded with; the worker path leaves it unset. */
  K?: WebGLRenderingContext | WebGL2RenderingContext | null
  /** The solution's config: which graph outputs become ImageBitmaps for onResults. */
  h?: { listeners?: { outs?: Record<string, unknown> }[] }
}
interface MpSelfieSegmentation {
  setOptions(o: Record<string, unknown>): void
  onResults(cb: (r: MpResults) => void): void
  initialize(): Promise<void>
  send(input: { image: ImageBitmap }): Promise<void>
  close(): Promise<void>
  h?: MpSolutionInternals
}
type MpConstructor = new (config: { locateFile: (file: string) => string }) => MpSelfieSegmentation

interface WorkerScope {
  SelfieSegmentation?: MpConstructor
  importScripts(...urls: string[]): void
  Module?: { locateFile(file: string): string }
  postMessage(msg: SegmenterStatus): void
  onmessage: ((e: MessageEvent<SegmenterInit>) => void) | null
}
;(() => {
  const scope = self as unknown as WorkerScope

  const MODEL_FILE: Record<SegmentationModel, string> = {
    landscape: 'selfie_segmentation_landscape.tflite',
    general: 'selfie_segmentation.tflite',
  }
  const LOAD_TIMEOUT_MS = 30_000

  let solution: MpSelfieSegmentation | null = null
  let port: MessagePort | null = null
  let assetBase = ''
  let model: SegmentationModel = 'landscape'
  let ready = false
  let busy = false
  let latest: MpResults = {}

  const status = (msg: SegmenterStatus) => scope.postMessage(msg)
  const reply = (msg: SegmenterReply, transfer: Transferable[] = []) => port?.postMessage(msg, transfer)
  const describe = (err: unknown) => (err instanceof Error ? err.message : String(err))

  /** The package uploads every frame through WebGL, even with CPU inference: without WebGL in workers it cannot run. */
  class NoWebGL extends Error {
    override name = 'NoWebGL'
    constructor() {
      super('no WebGL in workers')
    }
  }

  function fail(reason: SegmenterFailure, err: unknown) {
    ready = false
    const detail = describe(err)
    status({ type: 'error', reason, detail })
    reply({ type: 'failed', message: detail })
  }

  /** Loads `m`, or says why it could not. */
  function load(m: SegmentationModel) {
    loadModel(m).catch((err: unknown) => fail(err instanceof NoWebGL ? 'no-webgl' : 'load', err))
  }

  function loadRuntime() {
    const realImportScripts = scope.importScripts.bind(self)
    scope.importScripts = (...urls: string[]) => realImportScripts(...urls.filter((u) => /\.js(?:[?#]|$)/.test(u)))
    // The wasm loader (Emscripten) finds its .wasm through the global Module's locateFile.
    scope.Module = { locateFile: (file: string) => assetBase + file }
    realImportScripts(assetBase + 'selfie_segmentation.js')
  }

  /** A clear message before the wasm sees a bad file (a 404 page served as the model makes it hang). */
  async function checkModelFile(m: SegmentationModel) {
    const url = assetBase + MODEL_FILE[m]
    const res = await fetch(url, { method: 'HEAD' }).catch((err: unknown) => {
      throw new Error(`the model file could not be fetched (${describe(err)})`)
    })
    const type = res.headers.get('content-type') ?? ''
    if (!res.ok || type.includes('text/html')) throw new Error(`the model file ${url} is missing (HTTP ${res.status})`)
  }

  function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${what} took more than ${LOAD_TIMEOUT_MS / 1000} s`)), LOAD_TIMEOUT_MS)
      p.then(resolve, reject).finally(() => clearTimeout(t))
    })
  }

  async function loadModel(m: SegmentationModel) {
    ready = false
    model = m
    const t0 = performance.now()
    status({ type: 'loading', model: m })
    await checkModelFile(m)
    if (!solution) {
      // The package uploads every input frame through WebGL, even with CPU inference: without WebGL in
      // workers (headless Firefox, WebKitGTK, a browser with WebGL switched off) it fails deep in its wasm.
      const probe = new OffscreenCanvas(1, 1)
      const gl = probe.getContext('webgl2') ?? probe.getContext('webgl')
      if (!gl) throw new NoWebGL()
      gl.getExtension('WEBGL_lose_context')?.loseContext()
      loadRuntime()
      const Solution = scope.SelfieSegmentation
      if (!Solution) throw new Error('the MediaPipe loader did not load')
      const s = new Solution({ locateFile: (file) => assetBase + file })
      // Only the mask is wanted: dropping the echoed input image saves a draw and a bitmap per mask.
      const outs = s.h?.h?.listeners?.[0]?.outs
      if (outs && 'image' in outs) delete outs.image
      s.onResults((r) => {
        latest = r
      })
      solution = s
    }
    solution.setOptions({ modelSelection: m === 'landscape' ? 1 : 0, useCpuInference: true, selfieMode: false })
    await withTimeout(solution.initialize(), 'Loading the segmentation runtime')
    const internals = solution.h
    if (internals?.m && !internals.K) internals.K = internals.m.getContext('webgl2') ?? internals.m.getContext('webgl')
    // A first mask now, so a model that cannot run fails here, at load time, with a message.
    const { width, height } = m === 'landscape' ? { width: 256, height: 144 } : { width: 256, height: 256 }
    const warm = await createImageBitmap(new ImageData(width, height))
    try {
      await withTimeout(solution.send({ image: warm }), 'Loading the segmentation model')
    } finally {
      warm.close()
    }
    if (!latest.segmentationMask) throw new Error('the model gave no mask')
    latest.segmentationMask.close()
    latest = {}
    ready = true
    status({ type: 'ready', model: m, ms: Math.round(performance.now() - t0) })
    reply({ type: 'ready', model: m })
  }

  async function segment(id: number, bitmap: ImageBitmap) {
    if (!ready || busy || !solution) {
      reply({ type: 'skipped', id, input: bitmap }, [bitmap])
      return
    }
    busy = true
    const t0 = performance.now()
    try {
      latest = {}
      await solution.send({ image: bitmap })
      const mask = latest.segmentationMask
      latest.image?.close()
      latest = {}
      if (!mask) throw new Error('the model gave no mask')
      reply({ type: 'mask', id, mask, input: bitmap, ms: Math.round((performance.now() - t0) * 100) / 100 }, [mask, bitmap])
    } catch (err) {
      bitmap.close()
      fail('segment', err)
    } finally {
      busy = false
    }
  }

  function onRequest(e: MessageEvent<SegmenterRequest>) {
    const msg = e.data
    if (msg.type === 'segment') void segment(msg.id, msg.bitmap)
    else if (msg.type === 'model' && msg.model !== model) load(msg.model)
  }

  scope.onmessage = (e: MessageEvent<SegmenterInit>) => {
    if (e.data.type !== 'init') return
    assetBase = e.data.assetBase
    port = e.data.port
    port.onmessage = onRequest
    load(e.data.model)
  }
})()
