import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import './styles/main.css'

// Which build runs (build/pwa.ts): after an update, devtools and tests can tell the versions apart.
document.documentElement.dataset.build = __APP_BUILD__
document.documentElement.lang = i18n.global.locale.value
const app = createApp(App).use(createPinia()).use(i18n).use(router)
// Mount once the first route is resolved, so the first paint is the real page, not an empty shell.
void router.isReady().then(() => {
  app.mount('#app')
  performance.mark('media-studio:first-view')
})
