/**
 * In the browser, Zod 4 runs `jitless`: the app's Content-Security-Policy (`script-src 'self' 'wasm-unsafe-eval'`)
 * has no 'unsafe-eval', and Zod's `new Function` probe, though caught, makes Firefox log a CSP violation on every
 * page that parses a schema (the Call view). Imported for its effect, first, by every browser module that defines
 * schemas; the server (which shares src/lib/signaling/schema.ts, and has no such policy) keeps Zod's compiled parsers.
 */
import { config } from 'zod/v4/core'

if (typeof document !== 'undefined') config({ jitless: true })
