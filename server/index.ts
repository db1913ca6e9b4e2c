/**
 * `npm start` / `npm run serve`: the built app and signaling on one origin, over HTTP or HTTPS.
 * Prints a JSON line with `"url"` once listening (the test harness and the benchmark read it from stdout).
 */
import type { AddressInfo } from 'node:net'
import { readConfig, type ServerConfig } from './config.ts'
import { createAppServer } from './app.ts'
import { createLogger } from './logger.ts'
import { attachSignaling } from './signaling/signaling.ts'
import { lanAddresses, loadTls } from './tls.ts'

let config: ServerConfig
try {
  config = readConfig()
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
}
const log = createLogger(config.logLevel)

try {
  const tls = config.tls ? await loadTls(config.tls) : undefined
  const server = createAppServer(config, tls)
  const signaling = await attachSignaling(server, { config: config.signaling, log })

  server.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo
    const scheme = tls ? 'https' : 'http'
    const wildcard = config.host === '0.0.0.0' || config.host === '::'
    const lanUrls = wildcard ? lanAddresses().map((a) => `${scheme}://${a.includes(':') ? `[${a}]` : a}:${port}`) : []
    // Always printed, whatever LOG_LEVEL says: tools wait for this line.
    createLogger('info').info(
      {
        url: `${scheme}://localhost:${port}`,
        lanUrls,
        ...(tls ? { tls: tls.selfSigned ? 'self-signed' : 'files', fingerprint256: tls.fingerprint256 } : {}),
      },
      'listening',
    )
    if (tls?.selfSigned) {
      log.info(
        { hosts: tls.hosts },
        'self-signed certificate: on a phone, open a LAN url, check the SHA-256 fingerprint and accept the warning (see docs/signaling.md)',
      )
    }
  })

  let stopping = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return
      stopping = true
      setTimeout(() => process.exit(0), 3000).unref()
      // Closing signaling closes the HTTP server too; with Redis, peers get their slots back on another process.
      signaling.close().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed')
          process.exit(1)
        },
      )
    })
  }
} catch (err) {
  log.fatal({ err }, 'cannot start')
  process.exit(1)
}
