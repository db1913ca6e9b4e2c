import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import mediaAssets from './build/mediaAssets.ts'
import mediapipeAssets from './build/mediapipeAssets.ts'
import { signalingPlugin } from './server/vitePlugin.ts'

// Element Plus is imported per component (templates and ElMessage calls alike), with its CSS,
// so the first view only pays for the widgets it renders.
export default defineConfig({
  plugins: [
    vue(),
    AutoImport({ resolvers: [ElementPlusResolver()], dts: 'auto-imports.d.ts' }),
    Components({ dirs: [], resolvers: [ElementPlusResolver()], dts: 'components.d.ts' }),
    mediaAssets(),
    mediapipeAssets(),
    signalingPlugin(),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    target: 'es2022',
    sourcemap: true,
  },
  worker: { format: 'es' },
})
