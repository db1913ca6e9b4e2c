/**
 * `npm run bench [-- --only NAME]`: runs bench/NAME.bench.ts files and prints one JSON object per line.
 * Each bench file default-exports an async generator of result objects, each with a "bench" key.
 * Diagnostics go to stderr so stdout stays machine-readable.
 */
import { readdirSync } from 'node:fs'
import { parseArgs } from 'node:util'

export type BenchResult = { bench: string } & Record<string, unknown>
export type Bench = () => AsyncGenerator<BenchResult>

const { values } = parseArgs({ options: { only: { type: 'string', multiple: true } }, allowPositionals: true })
const dir = new URL('./', import.meta.url)
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort()
const selected = values.only?.length ? available.filter((n) => values.only!.includes(n)) : available
if (values.only?.length && selected.length !== values.only.length) {
  console.error(`Unknown bench in --only ${values.only.join(',')}; available: ${available.join(', ')}`)
  process.exit(2)
}

let failed = false
for (const name of selected) {
  const mod = (await import(new URL(`./${name}.bench.ts`, dir).href)) as { default: Bench }
  try {
    for await (const result of mod.default()) console.log(JSON.stringify(result))
  } catch (err) {
    failed = true
    console.error(`bench ${name} failed:`, err)
  }
}
process.exit(failed ? 1 : 0)
