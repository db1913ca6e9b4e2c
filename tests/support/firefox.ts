import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { startXvfb, type Xvfb } from './xvfb.ts'

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr'

export interface FirefoxOptions {
  /**
   * Headless Firefox has no WebGL at all. `headed: true` runs a real window under Xvfb, where Mesa's software
   * renderer gives WebGL2 on the page and on an OffscreenCanvas, so the GPU paths are covered too.
   */
  headed?: boolean
  /** Accept camera/microphone requests (default). false: every request is blocked, as a user pressing "Block". */
  grantPermissions?: boolean
  prefs?: Record<string, string | number | boolean>
  /** Extra environment for the browser process, e.g. `NO_SOUND_SERVER` to run it as on a machine with no sound server. */
  env?: Record<string, string>
}

/**
 * Environment that makes Firefox find no sound server, as on a machine with none: PulseAudio's client library is
 * pointed at a socket that does not exist (and ALSA, Firefox's other backend here, has no sound card), so Firefox's
 * AudioContext stays `suspended` and its `resume()` never settles, even when a test of another file started PulseAudio.
 */
export const NO_SOUND_SERVER: Record<string, string> = { PULSE_SERVER: 'unix:/nonexistent/pulse/native' }

export interface RunningFirefox {
  browser: Browser
  close(): Promise<void>
}

/**
 * Debian's stock firefox-esr driven by puppeteer-core over WebDriver BiDi (no browser download), with Firefox's
 * fake camera (a flat colour cycling its hue) and fake microphone (a tone).
 */
export async function launchFirefox(o: FirefoxOptions = {}): Promise<RunningFirefox> {
  if (!existsSync(FIREFOX_PATH)) {
    throw new Error(`Firefox not found at ${FIREFOX_PATH}. Install it (apt-get install -y firefox-esr) or set FIREFOX_PATH.`)
  }
  let xvfb: Xvfb | undefined
  if (o.headed) xvfb = await startXvfb()
  const grant = o.grantPermissions !== false
  try {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: !o.headed,
      env: { ...process.env, ...(xvfb ? { DISPLAY: xvfb.display } : {}), ...o.env },
      extraPrefsFirefox: {
        'media.navigator.streams.fake': true,
        'media.navigator.permission.disabled': grant,
        ...(grant ? {} : { 'permissions.default.camera': 2, 'permissions.default.microphone': 2 }),
        'media.autoplay.default': 0,
        'media.autoplay.blocking_policy': 0,
        ...o.prefs,
      },
    })
    return {
      browser,
      async close() {
        await browser.close().catch(() => {})
        await xvfb?.stop()
      },
    }
  } catch (err) {
    await xvfb?.stop()
    throw err
  }
}

/**
 * Firefox's AudioContext never leaves `suspended` on a machine with no sound server. Tests that need Web Audio
 * to run (mixing, level meters) start PulseAudio on a null sink first; tests of the no-sound-server case don't.
 */
export function ensurePulseAudio(): void {
  const running = () => spawnSync('pactl', ['info'], { stdio: 'ignore' }).status === 0
  if (running()) return
  const started = spawnSync('pulseaudio', ['--daemonize=yes', '--exit-idle-time=-1', '--system=false'], { stdio: 'ignore' })
  // Two test files can get here at once: the one whose start fails finds the other's daemon running.
  if (started.status !== 0) {
    if (running()) return
    throw new Error(`PulseAudio did not start (exit ${started.status}). Install it: apt-get install -y pulseaudio`)
  }
  execFileSync('pactl', ['load-module', 'module-null-sink', 'sink_name=null'], { stdio: 'ignore' })
}

/** Frames the element shows in `ms`, counted with requestVideoFrameCallback (Firefox's playback quality stays 0). */
export function framesShown(page: Page, selector: string, ms: number): Promise<number> {
  return page.evaluate(
    (sel, ms) =>
      new Promise<number>((resolve) => {
        const v = document.querySelector(sel) as HTMLVideoElement
        let n = 0
        const tick = () => {
          n++
          v.requestVideoFrameCallback(tick)
        }
        v.requestVideoFrameCallback(tick)
        setTimeout(() => resolve(n), ms)
      }),
    selector,
    ms,
  )
}
