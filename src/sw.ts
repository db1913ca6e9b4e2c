/**
 * The service worker (built by vite-plugin-pwa, see build/pwa.ts):
 * - precaches the app shell and every JS/CSS chunk of this build (the list is injected as self.__WB_MANIFEST) and
 *   answers every navigation with the precached index.html, so the app opens with no network;
 * - caches the heavy vendor files (ffmpeg cores, MediaPipe, gif.js worker) the first time the app fetches them
 *   (cache first: their URLs carry the package version, so a cached copy is never stale);
 * - adds the server's cross-origin isolation headers (server/app.ts) to everything it serves, so a page and its
 *   workers opened from the cache are still crossOriginIsolated and the multi-thread ffmpeg core still runs;
 * - waits as a new version until the app says "update now" (SKIP_WAITING), which the app only sends once no
 *   recording or export runs (src/composables/useAppUpdate.ts).
 */
import { addPlugins, cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { CacheFirst } from 'workbox-strategies'
import { CacheableResponsePlugin } from 'workbox-cacheable-response'
import { ExpirationPlugin } from 'workbox-expiration'
import { clientsClaim, type WorkboxPlugin } from 'workbox-core'
import { VENDOR_CACHE, VENDOR_DIR } from '@/lib/offline/assets'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<string | { url: string; revision: string | null }> }
declare const __ISOLATION_HEADERS__: Record<string, string>

/** The same response with the isolation headers set (a response that cannot carry headers is left alone). */
function isolated(response: Response): Response {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) return response
  if (Object.entries(__ISOLATION_HEADERS__).every(([k, v]) => response.headers.get(k) === v)) return response
  const headers = new Headers(response.headers)
  for (const [k, v] of Object.entries(__ISOLATION_HEADERS__)) headers.set(k, v)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

const isolation: WorkboxPlugin = {
  handlerWillRespond: async ({ response }) => isolated(response),
}

addPlugins([isolation])
precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()

// Every page of the app (/, /record, /gallery, /call/<room>) is index.html; signaling is the server's.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/socket\.io\//] }))

const vendorPath = new URL(VENDOR_DIR, self.registration.scope).pathname
const isVendor = ({ url, sameOrigin }: { url: URL; sameOrigin: boolean }) => sameOrigin && url.pathname.startsWith(vendorPath)

registerRoute(
  isVendor,
  new CacheFirst({
    cacheName: VENDOR_CACHE,
    plugins: [
      new CacheableResponsePlugin({ statuses: [200] }),
      // Room for two versions of every file; an old version goes first, and everything goes before a quota error.
      new ExpirationPlugin({ maxEntries: 40, purgeOnQuotaError: true }),
      isolation,
    ],
  }),
)

// The segmentation worker checks the model with a HEAD request first: answer it from the cached GET when there is one.
registerRoute(
  isVendor,
  async ({ request }) => {
    const cached = await caches.match(request.url, { cacheName: VENDOR_CACHE })
    if (!cached) return isolated(await fetch(request))
    return isolated(new Response(null, { status: cached.status, statusText: cached.statusText, headers: cached.headers }))
  },
  'HEAD',
)

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting()
})

// The first install takes the open page at once, so what it uses on this very first visit is cached already.
clientsClaim()
