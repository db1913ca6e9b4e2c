/**
 * The service worker's registration and the app's updates (vite-plugin-pwa's `virtual:pwa-register/vue`, prompt mode).
 *
 * A new version installs in the background and waits. `ready` turns true only once no recording or export runs
 * in any tab (useBusy.ts); the page then offers "Update ready — reload", and only the person's click activates the new
 * version and reloads. Nothing here reloads a page by itself: when another tab applied the update, this page keeps
 * running its version and offers the reload the same way.
 *
 * Updates are looked for at start, every hour, and whenever the tab comes back into view.
 */
import { ref, watch, type Ref } from 'vue'
import { useEventListener, useIntervalFn } from '@vueuse/core'
import { useRegisterSW } from 'virtual:pwa-register/vue'
import { BUSY_LOCK, busyHere } from './useBusy'

const UPDATE_CHECK_MS = 60 * 60 * 1000

export interface UseAppUpdateReturn {
  /** A new version is ready and nothing would be broken by reloading now. */
  ready: Ref<boolean>
  /** The service worker is installed: the app opens with no network from now on. Set once, after the first install. */
  offlineReady: Ref<boolean>
  /** The person asked for the update while another tab was recording or exporting. */
  waitingForOtherTab: Ref<boolean>
  /** Activates the new version and reloads (does nothing while something runs). */
  reload(): Promise<void>
}

export function useAppUpdate(): UseAppUpdateReturn {
  const registration = ref<ServiceWorkerRegistration>()
  /** This page asked for the update: only then does the new worker taking control reload it. */
  let requested = false
  /** Another tab applied the update: this page now runs an older build than its worker serves. */
  const outdated = ref(false)
  const ready = ref(false)
  const waitingForOtherTab = ref(false)

  const { needRefresh, offlineReady, updateServiceWorker } = useRegisterSW({
    onRegisteredSW: (_url, r) => (registration.value = r),
    // Never the plugin's automatic reload: whether to reload is decided below, on 'controllerchange'.
    onNeedReload: () => undefined,
    onRegisterError: (err: unknown) => console.warn('Service worker registration failed; the app will not work offline.', err),
  })

  // A new worker took control: reload if this page asked for it; otherwise this page now runs an older build than
  // its worker serves, and offers the reload like any update. (The first install taking the page is neither.)
  let controlled = !!navigator.serviceWorker?.controller
  if (navigator.serviceWorker) {
    useEventListener(navigator.serviceWorker, 'controllerchange', () => {
      if (requested) return window.location.reload()
      if (controlled) outdated.value = true
      controlled = true
    })
  }

  const check = () => void registration.value?.update().catch(() => undefined)
  useIntervalFn(check, UPDATE_CHECK_MS)
  useEventListener(document, 'visibilitychange', () => document.visibilityState === 'visible' && check())

  // Ready once every tab is idle: the exclusive lock is granted only when no tab holds the shared "busy" lock.
  watch(
    [() => needRefresh.value || outdated.value, busyHere],
    ([pending, busy], _old, onCleanup) => {
      ready.value = false
      if (!pending || busy) return
      if (!navigator.locks) {
        ready.value = true
        return
      }
      const ac = new AbortController()
      onCleanup(() => ac.abort())
      navigator.locks
        .request(BUSY_LOCK, { mode: 'exclusive', signal: ac.signal }, () => {
          ready.value = !busyHere.value
          waitingForOtherTab.value = false
        })
        .catch(() => undefined)
    },
    { immediate: true },
  )

  /** Activates the waiting version (the reload follows on 'controllerchange'), or reloads if it is active already. */
  async function apply() {
    requested = true
    if (registration.value?.waiting) await updateServiceWorker(true)
    else window.location.reload()
  }

  async function reload() {
    if (busyHere.value) return
    if (!navigator.locks) return apply()
    // Another tab may have started recording since the prompt appeared: hold the lock while the update starts.
    const started = await navigator.locks.request(BUSY_LOCK, { mode: 'exclusive', ifAvailable: true }, async (lock) => {
      if (!lock) return false
      await apply()
      return true
    })
    if (!started) {
      waitingForOtherTab.value = true
      ready.value = false
      // Wait for the other tab, then offer it again.
      void navigator.locks.request(BUSY_LOCK, { mode: 'exclusive' }, () => {
        ready.value = !busyHere.value
        waitingForOtherTab.value = false
      })
    }
  }

  return { ready, offlineReady, waitingForOtherTab, reload }
}
