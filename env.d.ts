/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/vue" />

/** The build's name (build/pwa.ts): MEDIA_STUDIO_BUILD at build time, else the package version. */
declare const __APP_BUILD__: string
