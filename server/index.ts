/**
 * `npm start` / `npm run serve`: the built app and signaling on one origin, over HTTP or HTTPS.
 * Prints a JSON line with `"url"` once listening (the test harness and the benchmark read it from stdout).
 */
import type { AddressInfo } from 'node:net'
import { readConfig, type ServerConfig } from './config.ts'
import { createAppServer } from './app.ts'
import { createLogger } from './logger.ts'
import { createAbuseGuard } from './abuseGuard.ts'
import { createEventLog } from './logSummary.ts'
import { installProcessPolicy } from './processPolicy.ts'
import { attachSignaling, type Signaling } from './signaling/signaling.ts'
import { lanAddresses, loadTls } from './tls.ts'

let config: ServerConfig
try {
  config = readConfig()
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
}
const log = createLogger(config.logLevel)
// Refusals of every kind (connections over the caps, bad events, Redis errors) are counted and summed up.
const events = createEventLog(log, config.signaling.logSummaryS * 1000)
let signaling: Signaling | undefined
let stopping = false

/** Closes signaling (which closes the HTTP server) and exits; at most 3 s. */
function shutdown(code: number): void {
  if (stopping) return
  stopping = true
  setTimeout(() => process.exit(code), 3000).unref()
  // With Redis, peers get their slots back on another process.
  ;(signaling?.close() ?? Promise.resolve()).then(
    () => {
      events.close()
      process.exit(code)
    },
    (err: unknown) => {
      log.error({ err }, 'shutdown failed')
      process.exit(1)
    },
  )
}
installProcessPolicy(log, shutdown)

try {
  const tls = config.tls ? await loadTls(config.tls) : undefined
  const abuse = createAbuseGuard()
  const refusal = { total: 'over the total cap', 'per-ip': 'over the per-address cap', abuse: 'address blocked for abuse' } as const
  const server = createAppServer(config, tls, {
    log,
    onConnectionRefused: (why, ip) => events.note(`connection refused: ${refusal[why]}`, { ip }),
    isBlocked: abuse.blocked,
  })
  signaling = await attachSignaling(server, { config: config.signaling, log, events, onAbuse: abuse.note })

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

  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => shutdown(0))
} catch (err) {
  log.fatal({ err }, 'cannot start')
  process.exit(1)
}
