import { describe, expect, test } from 'vitest'
import { audioConstraints, deviceLabel, nextCamera, oppositeFacing, resolveDevice, videoConstraints, type DeviceLike } from '@/lib/constraints'

const cams: DeviceLike[] = [
  { deviceId: 'a', kind: 'videoinput', label: 'Front' },
  { deviceId: 'b', kind: 'videoinput', label: 'Back' },
]

describe('constraints', () => {
  test('presets become ideal sizes; a picked device is exact and wins over facing', () => {
    expect(videoConstraints({ resolution: '1080p', frameRate: 24 })).toEqual({
      width: { ideal: 1920 },
      height: { ideal: 1080 },
      frameRate: { ideal: 24 },
    })
    const c = videoConstraints({ resolution: '480p', frameRate: 30, deviceId: 'x', facingMode: 'user' })
    expect(c.deviceId).toEqual({ exact: 'x' })
    expect(c.facingMode).toBeUndefined()
    expect(videoConstraints({ resolution: '720p', frameRate: 30, facingMode: 'environment' }).facingMode).toEqual({ exact: 'environment' })
  })

  test('audio processing toggles pass through', () => {
    expect(audioConstraints('m', { echoCancellation: false, noiseSuppression: true, autoGainControl: false })).toEqual({
      deviceId: { exact: 'm' },
      echoCancellation: false,
      noiseSuppression: true,
      autoGainControl: false,
    })
  })

  test('a remembered device is kept while present and reported lost when unplugged', () => {
    expect(resolveDevice('b', cams)).toEqual({ deviceId: 'b', lost: false })
    expect(resolveDevice('z', cams)).toEqual({ deviceId: undefined, lost: true })
    expect(resolveDevice('', cams)).toEqual({ deviceId: undefined, lost: false })
    // Before permission the ids are hidden: nothing can be said yet.
    expect(resolveDevice('b', [{ deviceId: '', kind: 'videoinput', label: '' }])).toEqual({ deviceId: 'b', lost: false })
  })

  test('the next camera wraps round and is never the current one', () => {
    expect(nextCamera('a', cams)?.deviceId).toBe('b')
    expect(nextCamera('b', cams)?.deviceId).toBe('a')
    expect(nextCamera(undefined, cams)?.deviceId).toBe('a')
    expect(nextCamera('a', [cams[0]!])).toBeUndefined()
  })

  test('facing flips and unlabeled devices get readable names', () => {
    expect(oppositeFacing('user')).toBe('environment')
    expect(oppositeFacing('environment')).toBe('user')
    expect(oppositeFacing(undefined)).toBe('environment')
    expect(deviceLabel({ deviceId: '', kind: 'audiooutput', label: '' }, 1)).toBe('Speaker 2')
  })
})

describe('device pickers', () => {
  test('list devices with an id, without the browser’s own "default" entry', async () => {
    const { selectableDevices } = await import('@/lib/constraints')
    const d = (deviceId: string, kind: MediaDeviceKind = 'audioinput') => ({ deviceId, kind, label: deviceId })
    expect(selectableDevices([d('default'), d('a'), d(''), d('b')]).map((x) => x.deviceId)).toEqual(['a', 'b'])
  })
})
