/**
 * Redis for scale-out: a publisher (also used for the room store's scripts) and a subscriber for the socket.io
 * adapter, so several server processes share rooms and relay to each other's sockets.
 *
 * A Redis outage must not take a process down: commands fail at once (no offline queue, so joins do not hang), the
 * adapter's fire-and-forget publishes are caught (a rejected publish used to be an unhandled rejection, which ends
 * Node), and `ready()` tells signaling to relay between local sockets only until the clients reconnect by themselves.
 */
import { createAdapter } from '@socket.io/redis-adapter'
import type { Logger } from 'pino'
import { createClient, type RedisClientType } from 'redis'

export interface RedisConnection {
  pub: RedisClientType
  sub: RedisClientType
  adapter: ReturnType<typeof createAdapter>
  /** Both clients are connected: relays between processes work. */
  ready(): boolean
  close(): Promise<void>
}

export interface RedisEvents {
  /** A client lost its connection or failed a command (called often during an outage: count, do not log each). */
  onError(role: 'pub' | 'sub' | 'publish', err: unknown): void
  /** Both clients are back after an outage. */
  onReady(): void
}

const CONNECT_TIMEOUT_MS = 10_000

/** `client`, except that `publish` never rejects: failures go to `onError`. What the adapter gets. */
function withSafePublish(client: RedisClientType, onError: (err: unknown) => void): RedisClientType {
  const publish = (...args: Parameters<RedisClientType['publish']>) => client.publish(...args).catch((err: unknown) => (onError(err), 0))
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'publish') return publish
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
}

export async function connectRedis(url: string, log: Logger, events: RedisEvents): Promise<RedisConnection> {
  const pub: RedisClientType = createClient({
    url,
    // Fail commands at once while Redis is away instead of queueing joins that hang; clients retry.
    disableOfflineQueue: true,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
  })
  const sub = pub.duplicate()
  const safeUrl = url.replace(/\/\/[^@/]*@/, '//***@') // never log a password
  let wasReady = false
  const ready = () => pub.isReady && sub.isReady
  for (const [role, client] of [['pub', pub], ['sub', sub]] as const) {
    client.on('error', (err: unknown) => events.onError(role, err))
    client.on('ready', () => {
      if (wasReady && ready()) {
        log.warn({ redis: safeUrl }, 'redis is back: relays between processes resume')
        events.onReady()
      }
    })
  }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`cannot reach Redis at ${safeUrl} (REDIS_URL)`)), CONNECT_TIMEOUT_MS)
  })
  try {
    await Promise.race([Promise.all([pub.connect(), sub.connect()]), timeout])
  } catch (err) {
    pub.destroy()
    sub.destroy()
    throw err
  } finally {
    clearTimeout(timer)
  }
  wasReady = true
  log.info({ redis: safeUrl }, 'redis connected')
  return {
    pub,
    sub,
    adapter: createAdapter(
      withSafePublish(pub, (err) => events.onError('publish', err)),
      sub,
      { key: 'media-studio' },
    ),
    ready,
    async close() {
      await Promise.allSettled([pub.close(), sub.close()])
    },
  }
}
