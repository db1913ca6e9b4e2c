import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { compression, defineAlgorithm } from 'vite-plugin-compression2'
import mediaAssets from './build/mediaAssets.ts'
import mediapipeAssets from './build/mediapipeAssets.ts'
import { signalingPlugin } from './server/vitePlugin.ts'
import { ISOLATION_HEADERS } from './server/app.ts'
import { pwa } from './build/pwa.ts'

// Element Plus is imported per component (templates and ElMessage calls alike), with its CSS,
// so the first view only pays for the widgets it renders.
export default defineConfig({
  plugins: [
    vue(),
    // The declaration files are written by dev and app builds only: a test's partial build (the recording harness)
    // sees a few components and would rewrite them without the rest.
    AutoImport({ resolvers: [ElementPlusResolver()], dts: process.env.VITEST ? false : 'auto-imports.d.ts' }),
    Components({ dirs: [], resolvers: [ElementPlusResolver()], dts: process.env.VITEST ? false : 'components.d.ts' }),
    mediaAssets(),
    mediapipeAssets(),
    signalingPlugin(),
    // Installable and offline: manifest, icons made from public/favicon.svg, the service worker (src/sw.ts).
    pwa(),
    // Precompressed copies next to each file: the server (sirv) sends .br/.gz as the browser accepts,
    // with no compression work per request. The big wasm files get gzip only (brotli would add minutes to a build).
    compression({ algorithms: ['gzip', 'brotliCompress'], threshold: 1024, logLevel: 'silent' }),
    compression({ include: /\.(wasm|data|tflite)$/, algorithms: [defineAlgorithm('gzip', { level: 6 })], logLevel: 'silent' }),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    target: 'es2022',
    // Maps for our own debugging, without a sourceMappingURL comment in the bundles; the server never serves them.
    sourcemap: 'hidden',
  },
  worker: { format: 'es' },
  // The same cross-origin isolation as the production server (server/app.ts), so dev behaves alike.
  server: { headers: { ...ISOLATION_HEADERS } },
  preview: { headers: { ...ISOLATION_HEADERS } },
})
