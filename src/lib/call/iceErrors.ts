/**
 * ICE trouble explained to a person: `icecandidateerror` codes (STUN/TURN error codes, RFC 5389/8656, plus
 * the 7xx the spec adds for servers that cannot be reached) and a failed connection, with what to do about it.
 */

export interface IceCandidateErrorInfo {
  url: string
  errorCode: number
  errorText: string
}

export interface IceProblem {
  kind: 'turn-auth' | 'turn-unreachable' | 'turn-quota' | 'turn-expired' | 'no-relay' | 'failed'
  title: string
  message: string
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
        title: 'The relay server refused the credentials',
        message: `The TURN server (${e.url}) answered ${e.errorCode} ${e.errorText || 'Unauthorized'}: the credentials the signaling server handed out are wrong or have expired. Check that TURN_SECRET matches coturn's static-auth-secret and that both servers' clocks are right.`,
      }
    case 437:
    case 486:
    case 508:
      return {
        kind: 'turn-quota',
        title: 'The relay server is full',
        message: `The TURN server (${e.url}) cannot give out another relay (${e.errorCode} ${e.errorText}). Try again in a moment.`,
      }
    case 701:
      return {
        kind: 'turn-unreachable',
        title: 'The relay server cannot be reached',
        message: `No answer from the TURN server (${e.url}). Check TURN_URLS and that the server is up and reachable from this network.`,
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
    title: 'The relay credentials have expired',
    message:
      'The signaling server handed out TURN credentials that had already expired. The clock of the server (or of this device) is probably wrong; check it, or raise TURN_TTL.',
  }
}

export function iceFailed(relayOnly: boolean, relayCandidates: number): IceProblem {
  if (relayOnly && relayCandidates === 0) {
    return {
      kind: 'no-relay',
      title: 'No relay route',
      message:
        'Relay-only mode is on, but no TURN relay could be used, so there is no way to reach the other person. Ask whoever runs this server to configure TURN (TURN_URLS and TURN_SECRET), or turn relay-only mode off.',
    }
  }
  return {
    kind: 'failed',
    title: 'The media connection failed',
    message:
      'Your browsers could not find a network path to each other, even after several retries. A firewall may block it: a TURN relay (TURN_URLS) gets through most of them. Press "Try again" to retry.',
  }
}
