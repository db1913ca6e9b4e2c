import { chromium, type Browser, type BrowserContext, type LaunchOptions } from 'playwright-core'
import { existsSync } from 'node:fs'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface FakeMediaOptions {
  /** Absolute path of a .y4m (or .mjpeg) clip the fake camera plays in a loop. */
  videoFile?: string
  /** Absolute path of a .wav the fake microphone plays. */
  audioFile?: string
  /** Number of fake cameras (ignored by Chromium when videoFile is set). */
  cameras?: number
  /** Accept permission prompts (default). false: every prompt is denied, as a user pressing "Block". */
  grantPermissions?: boolean
  extraArgs?: string[]
}

/** Flags that let headless Chromium run offline as root (the testing notes the project grew from). */
export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--autoplay-policy=no-user-gesture-required',
]

export function fakeMediaArgs(o: FakeMediaOptions = {}): string[] {
  const args = [
    o.cameras && o.cameras > 1 ? `--use-fake-device-for-media-stream=device-count=${o.cameras}` : '--use-fake-device-for-media-stream',
  ]
  if (o.grantPermissions !== false) args.push('--use-fake-ui-for-media-stream')
  if (o.videoFile) args.push(`--use-file-for-fake-video-capture=${o.videoFile}`)
  if (o.audioFile) args.push(`--use-file-for-fake-audio-capture=${o.audioFile}`)
  return args
}

export async function launchChromium(o: FakeMediaOptions = {}, launch: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`)
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...BASE_ARGS, ...fakeMediaArgs(o), ...(o.extraArgs ?? [])],
    ...launch,
  })
}

/**
 * Chromium with a profile on disk (`userDataDir`), as a person's browser: storage (IndexedDB, the origin private
 * file system, Cache Storage, service workers) lives on disk with a normal quota, where `launchChromium`'s contexts
 * are off the record (storage in memory, small quota). What installs is tested here too
 * (Page.getInstallabilityErrors reports "in-incognito" for off-the-record contexts).
 */
export async function launchChromiumPersistent(
  userDataDir: string,
  o: FakeMediaOptions = {},
  launch: Parameters<typeof chromium.launchPersistentContext>[1] = {},
): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`)
  }
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...BASE_ARGS, ...fakeMediaArgs(o), ...(o.extraArgs ?? [])],
    ...launch,
  })
}
