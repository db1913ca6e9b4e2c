/**
 * Vite plugin: serves the recorder's runtime files (ffmpeg.wasm cores, the gif.js worker) from our own build,
 * never a CDN. In dev they are streamed from node_modules; in a build they are emitted under
 * `assets/vendor/<package>@<version>/`, so a new package version gets a new URL and the server may cache them
 * as immutable like the rest of `assets/`.
 *
 * The app reads the URLs from the virtual module `virtual:media-assets` (typed in src/lib/recording/mediaAssets.d.ts).
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import type { Plugin, ResolvedConfig } from 'vite'

interface VendorFile {
  /** Key in the virtual module's export. */
  key: string
  pkg: string
  /** Path inside the package. */
  file: string
}

const FILES: VendorFile[] = [
  { key: 'ffmpegCoreURL', pkg: '@ffmpeg/core', file: 'dist/esm/ffmpeg-core.js' },
  { key: 'ffmpegWasmURL', pkg: '@ffmpeg/core', file: 'dist/esm/ffmpeg-core.wasm' },
  { key: 'ffmpegCoreMtURL', pkg: '@ffmpeg/core-mt', file: 'dist/esm/ffmpeg-core.js' },
  { key: 'ffmpegWasmMtURL', pkg: '@ffmpeg/core-mt', file: 'dist/esm/ffmpeg-core.wasm' },
  { key: 'ffmpegWorkerMtURL', pkg: '@ffmpeg/core-mt', file: 'dist/esm/ffmpeg-core.worker.js' },
  { key: 'gifWorkerURL', pkg: 'gif.js', file: 'dist/gif.worker.js' },
]

const VIRTUAL_ID = 'virtual:media-assets'
const RESOLVED_ID = '\0' + VIRTUAL_ID

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
}

interface Located extends VendorFile {
  /** Absolute path on disk. */
  abs: string
  /** Path below the site root, e.g. assets/vendor/@ffmpeg/core@0.12.10/ffmpeg-core.wasm */
  urlPath: string
}

/** The package.json of an installed package, also when its `exports` map does not list `./package.json`. */
function packageJsonOf(require: NodeJS.Require, pkg: string): string {
  let dir = dirname(require.resolve(pkg))
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === pkg) return candidate
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`Cannot find package.json of ${pkg}`)
    dir = parent
  }
}

function locate(root: string): Located[] {
  const require = createRequire(join(root, 'package.json'))
  return FILES.map((f) => {
    const pkgJson = packageJsonOf(require, f.pkg)
    const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version
    const abs = join(dirname(pkgJson), f.file)
    return { ...f, abs, urlPath: `assets/vendor/${f.pkg}@${version}/${basename(f.file)}` }
  })
}

export default function mediaAssets(): Plugin {
  let config: ResolvedConfig
  let files: Located[] = []
  return {
    name: 'media-studio:media-assets',
    config() {
      // @ffmpeg/ffmpeg starts its worker with `new URL('./worker.js', import.meta.url)`; pre-bundling moves the
      // module and breaks that URL in dev. We pass our own worker URL, but keep the package unbundled anyway.
      return { optimizeDeps: { exclude: ['@ffmpeg/ffmpeg', '@ffmpeg/util'] } }
    },
    configResolved(resolved) {
      config = resolved
      files = locate(resolved.root)
    },
    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_ID : undefined
    },
    load(id) {
      if (id !== RESOLVED_ID) return undefined
      const base = config.base.endsWith('/') ? config.base : `${config.base}/`
      // Absolute URLs: they are handed to workers, whose own location would resolve relative ones elsewhere.
      const lines = files.map(
        (f) => `export const ${f.key} = new URL(${JSON.stringify(base + f.urlPath)}, self.location.href).href`,
      )
      return lines.join('\n') + '\n'
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent((req.url ?? '').split('?')[0]!)
        const base = config.base.endsWith('/') ? config.base : `${config.base}/`
        const hit = files.find((f) => path === base + f.urlPath)
        if (!hit) return next()
        res.setHeader('Content-Type', TYPES[hit.abs.slice(hit.abs.lastIndexOf('.'))] ?? 'application/octet-stream')
        res.setHeader('Content-Length', String(statSync(hit.abs).size))
        res.setHeader('Cache-Control', 'no-cache')
        createReadStream(hit.abs).pipe(res)
      })
    },
    generateBundle() {
      if (config.command !== 'build') return
      for (const f of files) this.emitFile({ type: 'asset', fileName: f.urlPath, source: readFileSync(f.abs) })
    },
  }
}
