/**
 * Renderer memory of one Chromium instance, as the sum of its renderer processes' resident set (RSS, from
 * /proc): what a tab costs the machine, workers and wasm heaps included. Launch the browser with
 * `memoryTagArgs(tag)` so its processes can be told apart from other Chromiums on the machine. Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs'

export function memoryTagArgs(tag: string): string[] {
  return [`--media-studio-memory-tag=${tag}`]
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return ''
  }
}

function ppid(pid: number): number {
  try {
    // The command name (field 2) is in parentheses and may hold spaces: read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return -1
  }
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** Sum of the RSS of every renderer process under the browser launched with `memoryTagArgs(tag)`. */
export function rendererRssBytes(tag: string): number {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)
  const root = pids.find((p) => {
    const c = cmdline(p)
    return c.includes(`--media-studio-memory-tag=${tag}`) && !c.includes('--type=')
  })
  if (root === undefined) throw new Error(`no Chromium with memory tag ${tag}`)
  const parent = new Map(pids.map((p) => [p, ppid(p)]))
  const under = (p: number) => {
    for (let q = parent.get(p); q !== undefined && q > 1; q = parent.get(q)) if (q === root) return true
    return false
  }
  return pids.filter((p) => under(p) && cmdline(p).includes('--type=renderer')).reduce((sum, p) => sum + rssBytes(p), 0)
}

/** Samples `rendererRssBytes` every `everyMs` until stopped; returns the peak. */
export function samplePeak(tag: string, everyMs = 100): { stop(): number } {
  let peak = rendererRssBytes(tag)
  const timer = setInterval(() => (peak = Math.max(peak, rendererRssBytes(tag))), everyMs)
  return {
    stop() {
      clearInterval(timer)
      return Math.max(peak, rendererRssBytes(tag))
    },
  }
}
