/**
 * getUserMedia / getDisplayMedia failures turned into something a person can act on.
 * Errors are state in this app: a composable keeps a `MediaError` and the view shows it with a retry.
 */

export type MediaErrorKind =
  'permission-denied' | 'no-device' | 'device-busy' | 'overconstrained' | 'insecure-context' | 'unsupported' | 'aborted' | 'unknown'

export type MediaSource = 'camera' | 'microphone' | 'screen'

export interface MediaError {
  kind: MediaErrorKind
  /** What happened and what to do, in one or two sentences. */
  message: string
  /** The browser's own error name, for the troubleshooting section and bug reports. */
  detail?: string
}

const NOUN: Record<MediaSource, string> = { camera: 'Camera', microphone: 'Microphone', screen: 'Screen sharing' }

export function describeMediaError(err: unknown, source: MediaSource): MediaError {
  const name = err instanceof Error || (err && typeof err === 'object' && 'name' in err) ? String((err as { name: unknown }).name) : ''
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : name || String(err)
  const noun = NOUN[source]
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      if (source === 'screen') {
        return {
          kind: 'permission-denied',
          message: 'Screen sharing was cancelled or blocked. Choose a screen, window or tab to share and try again.',
          detail,
        }
      }
      return {
        kind: 'permission-denied',
        message: `${noun} access was blocked. Allow it from the icon in the address bar (or your system's privacy settings), then press Retry.`,
        detail,
      }
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return {
        kind: 'no-device',
        message: `No ${source === 'microphone' ? 'microphone' : 'camera'} was found. Plug one in or pick another device, then press Retry.`,
        detail,
      }
    case 'NotReadableError':
    case 'TrackStartError':
      return {
        kind: 'device-busy',
        message: `The ${source} is in use by another application or could not be started. Close other apps or tabs that use it, then press Retry.`,
        detail,
      }
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError': {
      const constraint = err && typeof err === 'object' && 'constraint' in err ? String((err as { constraint: unknown }).constraint) : ''
      return {
        kind: 'overconstrained',
        message: `This ${source} cannot deliver the requested ${constraint || 'settings'}. Pick a lower resolution or frame rate, or another device.`,
        detail,
      }
    }
    case 'AbortError':
      return { kind: 'aborted', message: `The ${source} stopped before it started. Press Retry.`, detail }
    case 'TypeError':
      return {
        kind: 'unsupported',
        message: `This browser cannot open the ${source} with these settings. Try a current Chrome, Edge, Firefox or Safari.`,
        detail,
      }
    default:
      return { kind: 'unknown', message: `The ${source} could not be started (${detail || 'unknown error'}). Press Retry.`, detail }
  }
}

export interface Environment {
  isSecureContext: boolean
  hasGetUserMedia: boolean
  hasGetDisplayMedia: boolean
}

/** Errors known before anything is asked of the browser. */
export function environmentError(env: Environment, source: MediaSource): MediaError | null {
  if (!env.isSecureContext) {
    return {
      kind: 'insecure-context',
      message:
        'Cameras, microphones and screen sharing only work on a secure page. Open this app over https:// or on localhost (see the README: npm start -- --https).',
    }
  }
  if (source === 'screen' ? !env.hasGetDisplayMedia : !env.hasGetUserMedia) {
    return {
      kind: 'unsupported',
      message:
        source === 'screen'
          ? 'This browser cannot share the screen. Use a current desktop Chrome, Edge, Firefox or Safari.'
          : 'This browser cannot use cameras or microphones. Use a current Chrome, Edge, Firefox or Safari.',
    }
  }
  return null
}

export function readEnvironment(w: Window | undefined = typeof window === 'undefined' ? undefined : window): Environment {
  const md = w?.navigator?.mediaDevices
  return {
    isSecureContext: w?.isSecureContext ?? false,
    hasGetUserMedia: typeof md?.getUserMedia === 'function',
    hasGetDisplayMedia: typeof md?.getDisplayMedia === 'function',
  }
}
