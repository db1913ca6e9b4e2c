import { describe, expect, test } from 'vitest'
import { describeMediaError, environmentError } from '@/lib/mediaErrors'

const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new DOMException('browser text', name), extra)

describe('media errors', () => {
  test.each([
    ['NotAllowedError', 'permission-denied', /blocked.*address bar/],
    ['NotFoundError', 'no-device', /No camera was found/],
    ['NotReadableError', 'device-busy', /in use by another application/],
    ['AbortError', 'aborted', /Retry/],
  ])('%s becomes %s with advice', (name, kind, message) => {
    const e = describeMediaError(named(name), 'camera')
    expect(e.kind).toBe(kind)
    expect(e.message).toMatch(message)
    expect(e.detail).toContain(name)
  })

  test('overconstrained names the constraint', () => {
    const e = describeMediaError(Object.assign(new Error('x'), { name: 'OverconstrainedError', constraint: 'frameRate' }), 'camera')
    expect(e.kind).toBe('overconstrained')
    expect(e.message).toContain('frameRate')
  })

  test('a cancelled screen share is not told to fix permissions in the address bar', () => {
    const e = describeMediaError(named('NotAllowedError'), 'screen')
    expect(e.message).toMatch(/cancelled or blocked/)
  })

  test('insecure pages and missing APIs are caught before asking', () => {
    expect(environmentError({ isSecureContext: false, hasGetUserMedia: true, hasGetDisplayMedia: true }, 'camera')?.kind).toBe('insecure-context')
    expect(environmentError({ isSecureContext: true, hasGetUserMedia: false, hasGetDisplayMedia: true }, 'microphone')?.kind).toBe('unsupported')
    expect(environmentError({ isSecureContext: true, hasGetUserMedia: true, hasGetDisplayMedia: false }, 'screen')?.kind).toBe('unsupported')
    expect(environmentError({ isSecureContext: true, hasGetUserMedia: true, hasGetDisplayMedia: true }, 'camera')).toBeNull()
  })

  test('unknown errors still say something useful', () => {
    expect(describeMediaError('weird', 'microphone').message).toMatch(/microphone could not be started \(weird\)/)
  })
})
