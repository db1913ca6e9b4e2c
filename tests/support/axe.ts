import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface AxeFinding {
  id: string
  impact: string
  help: string
  nodes: string[]
}

/**
 * axe-core (injected into the page as it is now) on the whole document: the serious and critical violations, each
 * with the first few elements it found, so a failure says where to look.
 */
export async function axeSerious(page: Page): Promise<AxeFinding[]> {
  // Colours are only final once transitions (a dialog fading in, a button's hover) have ended; endless ones
  // (a spinner, the REC dot) never do and do not matter.
  await page.waitForFunction(() =>
    document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
  )
  // Evaluated over DevTools rather than added as a <script>: the app's Content-Security-Policy (script-src 'self')
  // rightly refuses inline scripts, and the page is checked with that policy in force.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE)
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<Record<string, unknown>> }> } }).axe
    const r = await axe.run(document, { resultTypes: ['violations'] })
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: String(v.id),
        impact: String(v.impact),
        help: String(v.help),
        nodes: (v.nodes as Array<{ target: string[]; failureSummary?: string }>)
          .slice(0, 4)
          .map((n) => `${n.target.join(' ')} :: ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 200)}`),
      }))
  })
}
