/**
 * `npm run dev` hosts signaling too: this plugin attaches the same signaling server to Vite's own HTTP server,
 * so the app in dev talks to its own origin exactly as it does in production.
 */
import type { Plugin, PreviewServer, ViteDevServer } from 'vite'
import pretty from 'pino-pretty'
import { readConfig } from './config.ts'
import { createLogger } from './logger.ts'
import { attachSignaling } from './signaling/signaling.ts'

export function signalingPlugin(): Plugin {
  const attach = async (server: ViteDevServer | PreviewServer) => {
    // Middleware mode has no server of its own; Vitest builds a Vite server it never exposes.
    if (!server.httpServer || process.env.VITEST) return
    const config = readConfig()
    // Readable logs next to Vite's own output; quiet unless something goes wrong.
    const log = createLogger(process.env.LOG_LEVEL ?? 'warn', pretty({ colorize: true, sync: true }))
    const signaling = await attachSignaling(server.httpServer, { config: config.signaling, log, shareUpgrades: true })
    server.httpServer.once('close', () => void signaling.close())
  }
  return {
    name: 'media-studio:signaling',
    configureServer: attach,
    configurePreviewServer: attach,
  }
}
