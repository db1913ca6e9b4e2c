import { beforeEach } from 'vitest'
import type { Page } from 'playwright-core'

/**
 * When a test of this file fails, prints what each of its open pages showed (address and visible text, open
 * dialogs included): a failure in CI, where nobody can look at the browser, then says what a person would have seen.
 */
export function printPagesOnFailure(pages: () => Page[]): void {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => {
      for (const page of pages()) {
        if (page.isClosed()) continue
        const text = await page.evaluate(() => document.body.innerText).catch((e: unknown) => `(not readable: ${String(e)})`)
        console.error(`[page at the failure] ${page.url()}\n${text.replace(/\n{2,}/g, '\n').slice(0, 3000)}`)
      }
    })
  })
}
