/**
 * ICE trouble explained to a person: `icecandidateerror` codes (STUN/TURN error codes, RFC 5389/8656, plus
 * the 7xx the spec adds for servers that cannot be reached) and a failed connection, with what to do about it.
 */

import { msg, type Message } from '@/i18n/message'

export interface IceCandidateErrorInfo {
  url: string
  errorCode: number
  errorText: string
}

export interface IceProblem {
  kind: 'turn-auth' | 'turn-unreachable' | 'turn-quota' | 'turn-expired' | 'no-relay' | 'failed'
  /** Message keys and values: the view renders them in the language of the moment. */
  title: Message
  message: Message
}

/** What a TURN/STUN server's refusal means; null for errors that do not matter (a STUN server for IPv6, say). */
export function describeCandidateError(e: IceCandidateErrorInfo): IceProblem | null {
  const isTurn = /^turns?:/i.test(e.url)
  if (!isTurn) return null
  switch (e.errorCode) {
    case 401:
    case 431:
      return {
        kind: 'turn-auth',
        title: msg('call.ice.authTitle'),
        message: msg('call.ice.auth', { url: e.url, code: e.errorCode, text: e.errorText || 'Unauthorized' }),
      }
    case 437:
    case 486:
    case 508:
      return {
        kind: 'turn-quota',
        title: msg('call.ice.quotaTitle'),
        message: msg('call.ice.quota', { url: e.url, code: e.errorCode, text: e.errorText }),
      }
    case 701:
      return {
        kind: 'turn-unreachable',
        title: msg('call.ice.unreachableTitle'),
        message: msg('call.ice.unreachable', { url: e.url }),
      }
    default:
      return null
  }
}

/** Credentials the server handed out that expired already: its clock (or this device's) is off. */
export function expiredCredentials(expiresAt: number | null, now: number): IceProblem | null {
  if (expiresAt === null || expiresAt > now) return null
  return {
    kind: 'turn-expired',
    title: msg('call.ice.expiredTitle'),
    message: msg('call.ice.expired'),
  }
}

export function iceFailed(relayOnly: boolean, relayCandidates: number): IceProblem {
  if (relayOnly && relayCandidates === 0) {
    return {
      kind: 'no-relay',
      title: msg('call.ice.noRelayTitle'),
      message: msg('call.ice.noRelay'),
    }
  }
  return {
    kind: 'failed',
    title: msg('call.ice.failedTitle'),
    message: msg('call.ice.failed'),
  }
}
