import { defineConfig, minimal2023Preset } from '@vite-pwa/assets-generator/config'

/**
 * The app's icons, made at build time from public/favicon.svg by @vite-pwa/assets-generator (used by vite-plugin-pwa,
 * see build/pwa.ts): the "minimal 2023" set, which is what the platforms ask for today: 64, 192 and 512 px for the
 * manifest (192 and 512 are what Chromium/Android require to install), a 512 px maskable icon (Android's adaptive
 * icons crop it to a circle or squircle), the 180 px apple-touch-icon (iOS home screen) and a 48 px favicon.ico.
 * The maskable and Apple icons sit on the logo's own indigo, so no white ring shows around them.
 */
const indigo = '#4f46e5'

export default defineConfig({
  headLinkOptions: { preset: '2023' },
  preset: {
    ...minimal2023Preset,
    maskable: { ...minimal2023Preset.maskable, resizeOptions: { background: indigo } },
    apple: { ...minimal2023Preset.apple, resizeOptions: { background: indigo } },
  },
  images: ['public/favicon.svg'],
})
