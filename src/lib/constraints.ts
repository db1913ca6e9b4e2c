/** Capture settings turned into getUserMedia constraints, and device choice rules. Pure, unit-tested. */

export type ResolutionPreset = '480p' | '720p' | '1080p'
export type FacingMode = 'user' | 'environment'

export const RESOLUTIONS: Record<ResolutionPreset, { width: number; height: number; label: string }> = {
  '480p': { width: 640, height: 480, label: '480p (640×480)' },
  '720p': { width: 1280, height: 720, label: '720p (1280×720)' },
  '1080p': { width: 1920, height: 1080, label: '1080p (1920×1080)' },
}

export const FRAME_RATES = [15, 24, 30, 60] as const

export interface VideoRequest {
  resolution: ResolutionPreset
  frameRate: number
  /** A device picked in the list; wins over facingMode. */
  deviceId?: string
  /** Asked for with `exact`, so a device that cannot face that way fails loudly instead of silently. */
  facingMode?: FacingMode
}

/**
 * `ideal` sizes and rates: the camera gives its closest mode rather than failing. The device id is
 * `exact` because a user who picked a camera wants that camera or an error, never another one.
 */
export function videoConstraints(req: VideoRequest): MediaTrackConstraints {
  const { width, height } = RESOLUTIONS[req.resolution]
  const c: MediaTrackConstraints = {
    width: { ideal: width },
    height: { ideal: height },
    frameRate: { ideal: req.frameRate },
  }
  if (req.deviceId) c.deviceId = { exact: req.deviceId }
  else if (req.facingMode) c.facingMode = { exact: req.facingMode }
  return c
}

export interface AudioProcessing {
  echoCancellation: boolean
  noiseSuppression: boolean
  autoGainControl: boolean
}

export function audioConstraints(deviceId: string | undefined, p: AudioProcessing): MediaTrackConstraints {
  const c: MediaTrackConstraints = {
    echoCancellation: p.echoCancellation,
    noiseSuppression: p.noiseSuppression,
    autoGainControl: p.autoGainControl,
  }
  if (deviceId) c.deviceId = { exact: deviceId }
  return c
}

export interface DeviceLike {
  deviceId: string
  kind: MediaDeviceKind
  label: string
  groupId?: string
}

/**
 * The device to use now: the remembered one while it is plugged in, otherwise the browser's default
 * (empty id means "let the browser choose"). `lost` says the remembered one disappeared, so the UI can tell.
 */
export function resolveDevice(
  wanted: string | undefined,
  available: readonly DeviceLike[],
): { deviceId: string | undefined; lost: boolean } {
  if (!wanted) return { deviceId: undefined, lost: false }
  if (available.some((d) => d.deviceId === wanted)) return { deviceId: wanted, lost: false }
  // Before permission is granted, ids are empty: nothing is known yet, so nothing is lost.
  if (available.length === 0 || available.every((d) => !d.deviceId)) return { deviceId: wanted, lost: false }
  return { deviceId: undefined, lost: true }
}

/** The camera to try after an `exact` facingMode failed: the next one in the list, wrapping round. */
export function nextCamera(currentId: string | undefined, cameras: readonly DeviceLike[]): DeviceLike | undefined {
  const list = cameras.filter((d) => d.kind === 'videoinput' && d.deviceId)
  if (list.length === 0) return undefined
  const i = list.findIndex((d) => d.deviceId === currentId)
  const next = list[(i + 1) % list.length]
  return next && next.deviceId !== currentId ? next : undefined
}

export function oppositeFacing(f: FacingMode | undefined): FacingMode {
  return f === 'environment' ? 'user' : 'environment'
}

/** A readable label for a device, also before permission is given (when labels are empty). */
export function deviceLabel(d: DeviceLike, index: number): string {
  if (d.label) return d.label
  const noun = d.kind === 'videoinput' ? 'Camera' : d.kind === 'audioinput' ? 'Microphone' : 'Speaker'
  return `${noun} ${index + 1}`
}

/**
 * The devices a picker lists: those with an id (before permission the browser lists blank ones), and without the
 * browser's own "default" entry, which the picker's first option ("Default …") already stands for.
 */
export function selectableDevices<D extends DeviceLike>(list: readonly D[]): D[] {
  return list.filter((d) => d.deviceId && d.deviceId !== 'default')
}
