import WebDriver, { type Client } from 'webdriver'
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { startXvfb, type Xvfb } from './xvfb.ts'

/** MiniBrowser, WebKitGTK's test browser, from Debian's libwebkit2gtk-4.1-0. */
export function miniBrowserPath(): string {
  if (process.env.MINIBROWSER_PATH) return process.env.MINIBROWSER_PATH
  const files = execFileSync('dpkg', ['-L', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' })
  const path = files.split('\n').find((f) => f.endsWith('/MiniBrowser'))
  if (!path) throw new Error('MiniBrowser not found: apt-get install -y webkit2gtk-driver')
  return path
}

/**
 * What MiniBrowser is started with: mock camera (640x480, 30 fps), microphone and screen with no prompt,
 * autoplay, WebGL, and MediaStreamTrackProcessor (in workers only, as in Safari 18).
 */
export const MINIBROWSER_ARGS = [
  '--automation',
  '--enable-media-stream=true',
  '--enable-mock-capture-devices=true',
  '--enable-webgl=true',
  '--media-playback-requires-user-gesture=false',
  '--autoplay-policy=allow',
  '--features=+MediaStreamTrackProcessing',
]

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1')
  await once(srv, 'listening')
  const { port } = srv.address() as { port: number }
  srv.close()
  return port
}

export interface RunningWebKit {
  /** A W3C WebDriver session (webdriver's Client): navigateTo, executeScript, executeAsyncScript, findElement… */
  client: Client
  /** Runs an async function body in the page and returns its result (JSON-serialisable), or throws its error. */
  run<T>(body: string, ...args: Array<string | number | boolean | object | null>): Promise<T>
  close(): Promise<void>
}

/**
 * WebKitGTK (the engine closest to Safari that runs on Linux) through WebKitWebDriver, MiniBrowser in an Xvfb
 * window. Not testable here and so left to the README's support table: RTCPeerConnection (Debian's build has
 * none), MediaRecorder (GStreamer 1.22 writes empty video files) and IndexedDB Blob writes in automation sessions.
 */
export async function launchWebKit(extraArgs: string[] = []): Promise<RunningWebKit> {
  const xvfb: Xvfb = await startXvfb()
  const port = await freePort()
  const driver: ChildProcess = spawn('WebKitWebDriver', [`--port=${port}`], {
    env: { ...process.env, DISPLAY: xvfb.display },
    stdio: 'ignore',
  })
  const stop = async () => {
    if (driver.exitCode === null && driver.signalCode === null) {
      driver.kill('SIGTERM')
      await once(driver, 'exit')
    }
    await xvfb.stop()
  }
  try {
    let client: Client | undefined
    for (let attempt = 0; !client; attempt++) {
      try {
        client = await WebDriver.newSession({
          hostname: '127.0.0.1',
          port,
          path: '/',
          logLevel: 'warn',
          connectionRetryCount: 0,
          // webdriver's capability types do not list WebKitGTK's vendor prefix.
          capabilities: {
            'webkitgtk:browserOptions': { binary: miniBrowserPath(), args: [...MINIBROWSER_ARGS, ...extraArgs] },
          } as Record<string, unknown>,
        })
      } catch (err) {
        // The driver needs a moment to listen after it starts.
        if (attempt >= 20) throw err
        await new Promise((r) => setTimeout(r, 250))
      }
    }
    const session = client
    return {
      client: session,
      async run<T>(body: string, ...args: Array<string | number | boolean | object | null>): Promise<T> {
        const script = `const done = arguments[arguments.length - 1];
          (async (...args) => { ${body} })(...Array.prototype.slice.call(arguments, 0, -1))
            .then((value) => done({ value }), (e) => done({ error: e && e.message ? e.message + ' @ ' + (e.stack || '') : String(e) }))`
        const r = (await session.executeAsyncScript(script, args)) as { value?: T; error?: string }
        if (r.error) throw new Error(`in WebKit: ${r.error}`)
        return r.value as T
      },
      async close() {
        await session.deleteSession().catch(() => {})
        await stop()
      },
    }
  } catch (err) {
    await stop()
    throw err
  }
}
