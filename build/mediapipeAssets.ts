/**
 * Vite plugin: serves the files of @mediapipe/selfie_segmentation from our own origin, never a CDN:
 * by the dev server (and Vitest's browser mode) straight from node_modules, and in `vite build` as
 * assets under `assets/vendor/@mediapipe/selfie_segmentation@<version>/` (a new version gets a new
 * URL, so the server may cache them as immutable like the rest of `assets/`). A built app works offline.
 *
 * The app reads the directory's absolute URL from the virtual module `virtual:mediapipe-assets`
 * (typed in src/workers/background/mediapipeAssets.d.ts) and hands it to the segmentation worker.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Plugin, ResolvedConfig } from 'vite'

const PKG = '@mediapipe/selfie_segmentation'

/** Every file the solution loads: its loader, both wasm builds (SIMD and not) with their glue, the graph and both models. */
export const MEDIAPIPE_FILES = [
  'selfie_segmentation.js',
  'selfie_segmentation_solution_simd_wasm_bin.js',
  'selfie_segmentation_solution_simd_wasm_bin.wasm',
  'selfie_segmentation_solution_simd_wasm_bin.data',
  'selfie_segmentation_solution_wasm_bin.js',
  'selfie_segmentation_solution_wasm_bin.wasm',
  'selfie_segmentation.binarypb',
  'selfie_segmentation.tflite',
  'selfie_segmentation_landscape.tflite',
] as const

const VIRTUAL_ID = 'virtual:mediapipe-assets'
const RESOLVED_ID = '\0' + VIRTUAL_ID

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
}

export default function mediapipeAssets(): Plugin {
  let config: ResolvedConfig
  let dir = ''
  let urlDir = ''
  const base = () => (config.base.endsWith('/') ? config.base : `${config.base}/`)
  return {
    name: 'media-studio:mediapipe-assets',
    configResolved(resolved) {
      config = resolved
      const pkgJson = createRequire(join(resolved.root, 'package.json')).resolve(`${PKG}/package.json`)
      dir = dirname(pkgJson)
      const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version
      urlDir = `assets/vendor/${PKG}@${version}/`
    },
    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_ID : undefined
    },
    load(id) {
      if (id !== RESOLVED_ID) return undefined
      // Absolute: the URL is handed to a worker, whose own location would resolve a relative one elsewhere.
      return `export const mediapipeAssetBase = new URL(${JSON.stringify(base() + urlDir)}, self.location.href).href\n`
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent((req.url ?? '').split('?')[0]!)
        const prefix = base() + urlDir
        if (!path.startsWith(prefix)) return next()
        const name = path.slice(prefix.length)
        if (!(MEDIAPIPE_FILES as readonly string[]).includes(name)) {
          res.statusCode = 404
          res.end('Not found')
          return
        }
        const file = join(dir, name)
        res.setHeader('Content-Type', TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream')
        res.setHeader('Content-Length', String(statSync(file).size))
        res.setHeader('Cache-Control', 'no-cache')
        if (req.method === 'HEAD') {
          res.end()
          return
        }
        createReadStream(file).pipe(res)
      })
    },
    generateBundle() {
      if (config.command !== 'build') return
      for (const name of MEDIAPIPE_FILES) this.emitFile({ type: 'asset', fileName: urlDir + name, source: readFileSync(join(dir, name)) })
    },
  }
}
