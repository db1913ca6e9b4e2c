/**
 * Redis for scale-out: a publisher (also used for the room store's scripts) and a subscriber for the socket.io
 * adapter, so several server processes share rooms and relay to each other's sockets.
 */
import { createAdapter } from '@socket.io/redis-adapter'
import type { Logger } from 'pino'
import { createClient, type RedisClientType } from 'redis'

export interface RedisConnection {
  pub: RedisClientType
  sub: RedisClientType
  adapter: ReturnType<typeof createAdapter>
  close(): Promise<void>
}

const CONNECT_TIMEOUT_MS = 10_000

export async function connectRedis(url: string, log: Logger): Promise<RedisConnection> {
  const pub: RedisClientType = createClient({
    url,
    // Fail commands at once while Redis is away instead of queueing joins that hang; clients rejoin on reconnect.
    disableOfflineQueue: true,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS },
  })
  const sub = pub.duplicate()
  const safeUrl = url.replace(/\/\/[^@/]*@/, '//***@') // never log a password
  for (const [role, client] of [['pub', pub], ['sub', sub]] as const) {
    client.on('error', (err: unknown) => log.error({ err, role, redis: safeUrl }, 'redis error'))
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
  log.info({ redis: safeUrl }, 'redis connected')
  return {
    pub,
    sub,
    adapter: createAdapter(pub, sub, { key: 'media-studio' }),
    async close() {
      await Promise.allSettled([pub.close(), sub.close()])
    },
  }
}
