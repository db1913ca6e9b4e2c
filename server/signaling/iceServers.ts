/**
 * ICE servers handed to browsers on `joined`. TURN uses coturn's `use-auth-secret` (TURN REST API) scheme:
 * the server and coturn share a secret; browsers get a username that carries its own expiry and a password that
 * is an HMAC of it, so credentials are short-lived and the secret never leaves the server.
 */
import { createHmac } from 'node:crypto'
import type { IceServer } from '../../src/lib/signaling/schema.ts'
import type { SignalingConfig, TurnConfig } from '../config.ts'

export interface TurnCredential {
  username: string
  credential: string
  /** Unix seconds. */
  expiresAt: number
}

/**
 * username = `expiry:id` (expiry in Unix seconds, as coturn expects), credential = base64(HMAC-SHA1(secret, username)).
 * `id` only labels the allocation in coturn's logs; the public peer id is fine (never the peer key).
 */
export function turnCredential(secret: string, id: string, ttlSeconds: number, nowMs = Date.now()): TurnCredential {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds
  const username = `${expiresAt}:${id}`
  const credential = createHmac('sha1', secret).update(username).digest('base64')
  return { username, credential, expiresAt }
}

export interface IceServerList {
  iceServers: IceServer[]
  /** Unix ms, or null when nothing in the list expires. */
  expiresAt: number | null
}

export function iceServersFor(
  config: Pick<SignalingConfig, 'stunUrls' | 'turn'>,
  peerId: string,
  nowMs = Date.now(),
): IceServerList {
  const iceServers: IceServer[] = []
  if (config.stunUrls.length) iceServers.push({ urls: config.stunUrls })
  const turn: TurnConfig | undefined = config.turn
  if (!turn) return { iceServers, expiresAt: null }
  const { username, credential, expiresAt } = turnCredential(turn.secret, peerId, turn.ttlSeconds, nowMs)
  iceServers.push({ urls: turn.urls, username, credential })
  return { iceServers, expiresAt: expiresAt * 1000 }
}
