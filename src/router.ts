import { createRouter, createWebHistory } from 'vue-router'
import CaptureView from './views/CaptureView.vue'

// Capture is the landing page and is bundled with the shell so the camera starts without a second
// round trip; every other page is loaded on first visit.
export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/', name: 'capture', component: CaptureView, meta: { title: 'Capture' } },
    { path: '/record', name: 'record', component: () => import('./views/RecordView.vue'), meta: { title: 'Record' } },
    { path: '/gallery', name: 'gallery', component: () => import('./views/GalleryView.vue'), meta: { title: 'Gallery' } },
    // /call starts or joins a call, /call/<room> is a call link.
    { path: '/call/:room?', name: 'call', component: () => import('./views/CallView.vue'), meta: { title: 'Call' } },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${String(to.meta.title)} · Media Studio` : 'Media Studio'
})
