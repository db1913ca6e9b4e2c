import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

export interface Xvfb {
  /** The DISPLAY value to give programs, e.g. ":5". */
  display: string
  stop(): Promise<void>
}

/**
 * Starts a virtual X server on a free display (Xvfb picks it and reports it on `-displayfd`), for browsers
 * that need a real window: headed Firefox (WebGL) and WebKitGTK's MiniBrowser (no headless mode).
 */
export async function startXvfb(size = '1280x1024x24'): Promise<Xvfb> {
  const child: ChildProcess = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', size, '-nolisten', 'tcp'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const display = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.once('error', (e) => reject(new Error(`Xvfb could not start (${e.message}). Install it: apt-get install -y xvfb`)))
    child.once('exit', (code) => reject(new Error(`Xvfb exited early with code ${code}`)))
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = out.match(/^(\d+)\n/)
      if (m) resolve(`:${m[1]}`)
    })
  })
  return {
    display,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}
