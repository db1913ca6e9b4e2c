import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

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
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE })
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
