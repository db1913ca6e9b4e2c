/**
 * Module worker that owns the processed track's canvas (transferred with transferControlToOffscreen)
 * and runs the Compositor on it. Every failure is posted to the main thread as an `error` event.
 */
import { Compositor } from './compositor'
import type { CompositorCommand, CompositorEvent } from './protocol'

let compositor: Compositor | null = null
const post = (event: CompositorEvent, transfer: Transferable[] = []) => self.postMessage(event, { transfer })

self.onmessage = (e: MessageEvent<CompositorCommand>) => {
  const cmd = e.data
  try {
    if (cmd.type === 'init') {
      compositor = new Compositor(cmd.canvas, cmd.settings, post, cmd.renderer)
      return
    }
    if (!compositor) throw new Error(`"${cmd.type}" before "init"`)
    compositor.handle(cmd)
    if (cmd.type === 'dispose') {
      compositor = null
      self.close()
    }
  } catch (err) {
    post({ type: 'error', message: `The background processor failed: ${err instanceof Error ? err.message : String(err)}`, fatal: cmd.type === 'init' })
  }
}

self.onunhandledrejection = (e: PromiseRejectionEvent) => {
  post({ type: 'error', message: `The background processor failed: ${String(e.reason)}`, fatal: false })
}
