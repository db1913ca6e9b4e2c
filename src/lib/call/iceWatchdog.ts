/**
 * When to restart ICE. A `failed` connection restarts at once; a `disconnected` one gets a grace period first
 * (Wi-Fi hiccups often heal by themselves within a second or two, and a restart costs a round trip). A restart
 * that does not connect within its timeout counts as failed and tries again, with a longer timeout each time,
 * until `maxRestarts` in a row failed: then it gives up and the UI says so (with a button to try again).
 * A restart needs signaling to carry its offer: while signaling is away the restart waits, without counting.
 * Timers are injectable, so the policy is tested in Node with fake timers.
 */

export type IceState = 'new' | 'checking' | 'connected' | 'completed' | 'disconnected' | 'failed' | 'closed'

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface IceWatchdogOptions {
  /** Restart ICE now (e.g. `pc.restartIce()`). */
  restart: () => void
  /** Called once when `maxRestarts` restarts in a row did not bring the connection back. */
  giveUp: () => void
  /** Whether a restart can be signaled now; when false, the restart waits for `signalingAvailable()`. @default always */
  canRestart?: () => boolean
  /** @default 3000 */
  disconnectedGraceMs?: number
  /** First restart's time to connect; the n-th gets n times this. @default 10000 */
  restartTimeoutMs?: number
  /** @default 4 */
  maxRestarts?: number
  timers?: Timers
}

export interface IceWatchdog {
  /** Feed every `iceconnectionstatechange`. */
  update(state: IceState): void
  /** Signaling is back: run a restart that was waiting for it. */
  signalingAvailable(): void
  /** Restart now, as one more attempt (signaling came back and the connection is not up). */
  restart(): void
  /** Start over (after the user pressed "try again"): restart now with a fresh budget. */
  retry(): void
  readonly attempts: number
  readonly gaveUp: boolean
  dispose(): void
}

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
}

export function createIceWatchdog(options: IceWatchdogOptions): IceWatchdog {
  const timers = options.timers ?? defaultTimers
  const grace = options.disconnectedGraceMs ?? 3000
  const restartTimeout = options.restartTimeoutMs ?? 10_000
  const max = options.maxRestarts ?? 4
  const canRestart = options.canRestart ?? (() => true)
  let state: IceState = 'new'
  let attempts = 0
  let gaveUp = false
  let pending = false
  let disposed = false
  let graceTimer: unknown = null
  let restartTimer: unknown = null

  const clear = (t: unknown) => {
    if (t !== null) timers.clearTimeout(t)
  }
  const connected = () => state === 'connected' || state === 'completed'

  function restartNow() {
    if (disposed || gaveUp) return
    clear(graceTimer)
    graceTimer = null
    clear(restartTimer)
    restartTimer = null
    if (!canRestart()) {
      pending = true
      return
    }
    pending = false
    if (attempts >= max) {
      gaveUp = true
      options.giveUp()
      return
    }
    attempts++
    options.restart()
    restartTimer = timers.setTimeout(() => {
      restartTimer = null
      if (!connected()) restartNow()
    }, restartTimeout * attempts)
  }

  return {
    update(next) {
      if (disposed) return
      state = next
      switch (next) {
        case 'connected':
        case 'completed':
          clear(graceTimer)
          clear(restartTimer)
          graceTimer = restartTimer = null
          attempts = 0
          gaveUp = false
          pending = false
          break
        case 'disconnected':
          // A restart already under way has its own timeout.
          if (graceTimer === null && restartTimer === null) {
            graceTimer = timers.setTimeout(() => {
              graceTimer = null
              if (state === 'disconnected') restartNow()
            }, grace)
          }
          break
        case 'failed':
          // A restart under way that fails again (nothing to gather yet, say) waits for its own timeout, so the
          // attempts stay spaced out instead of burning the budget in a second.
          if (restartTimer === null) restartNow()
          break
        case 'closed':
          this.dispose()
          break
      }
    },
    signalingAvailable() {
      if (pending && !connected()) restartNow()
    },
    restart() {
      if (!connected()) restartNow()
    },
    retry() {
      attempts = 0
      gaveUp = false
      restartNow()
    },
    get attempts() {
      return attempts
    },
    get gaveUp() {
      return gaveUp
    },
    dispose() {
      disposed = true
      clear(graceTimer)
      clear(restartTimer)
      graceTimer = restartTimer = null
    },
  }
}
