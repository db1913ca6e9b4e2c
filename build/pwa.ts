/**
 * Installable and offline (vite-plugin-pwa + Workbox): the web app manifest, its icons (generated at build time from
 * public/favicon.svg by @vite-pwa/assets-generator, see pwa-assets.config.ts), and the service worker src/sw.ts,
 * built by Vite with the list of files to precache injected into it.
 *
 * What is precached (downloaded at install): the app shell (index.html), every JS/CSS chunk, the workers' chunks,
 * the icons and the built-in backgrounds, a few MB in all. What is not: assets/vendor/ (the two ffmpeg.wasm cores,
 * MediaPipe's wasm and models, gif.js's worker, ~60 MB): the service worker caches each of those the first time the
 * app uses it (src/sw.ts), so an install does not cost a phone 60 MB it may never need.
 *
 * The app registers the worker itself (src/composables/useAppUpdate.ts) and asks before it updates ("prompt"), so
 * a new version never replaces a page that is recording or exporting.
 */
import { readFileSync } from 'node:fs'
import type { Plugin } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { ISOLATION_HEADERS } from '../server/app.ts'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; description: string }

/** The build's name, shown to nobody but kept in the page (`<html data-build>`): `MEDIA_STUDIO_BUILD`, else the version. */
export const BUILD_ID = process.env.MEDIA_STUDIO_BUILD || pkg.version

export function pwa(): Plugin[] {
  const constants: Plugin = {
    name: 'media-studio:pwa-constants',
    config: () => ({
      define: {
        // The service worker adds these to what it serves, the same the server sends (server/app.ts).
        __ISOLATION_HEADERS__: JSON.stringify(ISOLATION_HEADERS),
        __APP_BUILD__: JSON.stringify(BUILD_ID),
      },
    }),
  }
  return [
    constants,
    ...VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      registerType: 'prompt',
      // Registered by src/composables/useAppUpdate.ts (virtual:pwa-register/vue), not by an injected script.
      injectRegister: false,
      manifest: {
        id: '/',
        name: 'Media Studio',
        short_name: 'Media Studio',
        description: pkg.description,
        lang: 'en',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#111827',
        background_color: '#f5f6f8',
        categories: ['photo', 'video', 'productivity'],
      },
      pwaAssets: {
        config: true,
        overrideManifestIcons: true,
        // index.html has its own theme-color already.
        injectThemeColor: false,
      },
      injectManifest: {
        // (the manifest is added by the plugin itself)
        globPatterns: ['**/*.{js,css,html,svg,png,ico,jpg,webm}'],
        // The heavy runtime files: cached on first use by the service worker instead (see above).
        globIgnores: ['assets/vendor/**'],
        // The largest chunk (element-plus, mediabunny) stays well under this; a bigger one fails the build loudly.
        maximumFileSizeToCacheInBytes: 3 * 1024 * 1024,
      },
      devOptions: { enabled: false },
    }),
  ]
}
