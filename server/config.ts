/** Server configuration, read once from the environment and the command line. */

export interface ServerConfig {
  port: number
  host: string
  /** Folder with the built app (vite build). */
  staticDir: string
}

export function readConfig(env: NodeJS.ProcessEnv = process.env, _argv: string[] = process.argv.slice(2)): ServerConfig {
  const port = Number(env.PORT ?? 8080)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`)
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    staticDir: env.STATIC_DIR ?? new URL('../dist', import.meta.url).pathname,
  }
}
