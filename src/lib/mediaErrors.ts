/**
 * getUserMedia / getDisplayMedia failures turned into something a person can act on.
 * Errors are state in this app: a composable keeps a `MediaError` and the view shows it with a retry.
 */
import { t } from '@/i18n'

export type MediaErrorKind =
  'permission-denied' | 'no-device' | 'device-busy' | 'overconstrained' | 'insecure-context' | 'unsupported' | 'aborted' | 'unknown'

export type MediaSource = 'camera' | 'microphone' | 'screen'

export interface MediaError {
  kind: MediaErrorKind
  /** What happened and what to do, in one or two sentences, in the language shown when it happened. */
  message: string
  /** The message's key and values in the app's messages, so a view shows it in the current language. */
  key: string
  params?: Record<string, string>
  /** The browser's own error name, for the troubleshooting section and bug reports. */
  detail?: string
}

function make(kind: MediaErrorKind, key: string, params?: Record<string, string>, detail?: string): MediaError {
  const full = `mediaErrors.${key}`
  return { kind, key: full, params, message: params ? t(full, params) : t(full), ...(detail !== undefined ? { detail } : {}) }
}

export function describeMediaError(err: unknown, source: MediaSource): MediaError {
  const name = err instanceof Error || (err && typeof err === 'object' && 'name' in err) ? String((err as { name: unknown }).name) : ''
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : name || String(err)
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return make('permission-denied', `permissionDenied.${source}`, undefined, detail)
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return make('no-device', `noDevice.${source === 'microphone' ? 'microphone' : 'camera'}`, undefined, detail)
    case 'NotReadableError':
    case 'TrackStartError':
      return make('device-busy', `deviceBusy.${source}`, undefined, detail)
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError': {
      const constraint = err && typeof err === 'object' && 'constraint' in err ? String((err as { constraint: unknown }).constraint) : ''
      return constraint
        ? make('overconstrained', `overconstrained.${source}`, { constraint }, detail)
        : make('overconstrained', `overconstrainedSettings.${source}`, undefined, detail)
    }
    case 'AbortError':
      return make('aborted', `aborted.${source}`, undefined, detail)
    case 'TypeError':
      return make('unsupported', `unsupportedSettings.${source}`, undefined, detail)
    default:
      return make('unknown', `unknown.${source}`, { detail: detail || 'unknown error' }, detail)
  }
}

export interface Environment {
  isSecureContext: boolean
  hasGetUserMedia: boolean
  hasGetDisplayMedia: boolean
}

/** Errors known before anything is asked of the browser. */
export function environmentError(env: Environment, source: MediaSource): MediaError | null {
  if (!env.isSecureContext) return make('insecure-context', 'insecureContext')
  if (source === 'screen' ? !env.hasGetDisplayMedia : !env.hasGetUserMedia) {
    return make('unsupported', source === 'screen' ? 'noScreenApi' : 'noMediaApi')
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
