/**
 * A watch over a step that reports as it goes (a decoder's frames, an encoder's progress): `stalled` rejects with
 * `error()` when `kick()` has not been called for `ms`, so a part that stops answering fails the export with a
 * message instead of hanging it. Starts armed; `stop()` disarms it.
 */
export function stallWatch(ms: number, error: () => Error) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let fire: (err: Error) => void = () => undefined
  const stalled = new Promise<never>((_, reject) => (fire = reject))
  stalled.catch(() => undefined)
  const kick = () => {
    clearTimeout(timer)
    timer = setTimeout(() => fire(error()), ms)
  }
  kick()
  return { stalled, kick, stop: () => clearTimeout(timer) }
}
