/**
 * "Something is running that a reload would break" (a recording, an export), known to every tab of the app.
 *
 * Each running job holds a shared Web Lock named BUSY_LOCK for as long as it runs; the update prompt
 * (useAppUpdate.ts) asks for the same lock exclusively, which the browser grants only once no tab holds it, so an
 * update waits for recordings and exports in every open tab, not only in its own. Where Web Locks are missing,
 * this tab's own jobs still count.
 */
import { computed, onScopeDispose, shallowReactive, watch, type WatchSource } from 'vue'

export const BUSY_LOCK = 'media-studio:busy'

/** What runs in this tab, by job. */
const jobs = shallowReactive(new Map<symbol, string>())

/** True while a job of this tab runs. */
export const busyHere = computed(() => jobs.size > 0)

/** What runs in this tab, for a message ("recording", "export"). */
export const busyJobs = computed(() => [...jobs.values()])

/**
 * Marks the calling scope's job as running while `active` is true (a recorder's state, an export's flag), until the
 * scope ends.
 */
export function useBusyWhile(name: string, active: WatchSource<boolean>): void {
  const id = Symbol(name)
  let release: (() => void) | null = null

  function start() {
    jobs.set(id, name)
    if (typeof navigator === 'undefined' || !navigator.locks) return
    // Held until release() resolves the callback's promise.
    let done!: () => void
    const held = new Promise<void>((resolve) => (done = resolve))
    release = done
    void navigator.locks.request(BUSY_LOCK, { mode: 'shared' }, () => held).catch(() => undefined)
  }
  function stop() {
    jobs.delete(id)
    release?.()
    release = null
  }

  watch(active, (on) => (on ? jobs.has(id) || start() : stop()), { immediate: true })
  onScopeDispose(stop)
}
