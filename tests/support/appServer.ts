import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

export interface RunningServer {
  url: string
  process: ChildProcess
  stop(): Promise<void>
}

/** Builds the app with Vite (unless `build: false`). */
export function buildApp(): void {
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' })
}

/** Starts the real server (the code `npm start` runs) on a free port and waits for its "listening" line. */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  // Node itself (not npx) so that stopping the child stops the server, and nothing is left holding the port.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let buffered = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited early with code ${code}`)))
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString()
      const m = buffered.match(/"url":"(https?:[^"]+)"/)
      if (m) resolve(m[1]!)
    })
  })
  child.stdout!.resume()
  return {
    url,
    process: child,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}
