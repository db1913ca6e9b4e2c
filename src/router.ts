import { watch } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import CaptureView from './views/CaptureView.vue'
import { i18n, t } from './i18n'

// Capture is the landing page and is bundled with the shell so the camera starts without a second
// round trip; every other page is loaded on first visit.
export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/', name: 'capture', component: CaptureView },
    { path: '/record', name: 'record', component: () => import('./views/RecordView.vue') },
    { path: '/gallery', name: 'gallery', component: () => import('./views/GalleryView.vue') },
    // /call starts or joins a call, /call/<room> is a call link.
    { path: '/call/:room?', name: 'call', component: () => import('./views/CallView.vue') },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
})

// The tab's title names the page in the current language, and follows a change of language.
function setTitle() {
  const name = router.currentRoute.value.name
  const app = t('app.name')
  document.title = typeof name === 'string' ? `${t(`nav.${name}`)} · ${app}` : app
}
router.afterEach(setTitle)
watch(i18n.global.locale, setTitle)
