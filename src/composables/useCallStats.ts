/**
 * The call's live numbers: `getStats()` once a second, turned into a snapshot (lib/call/stats), a short history
 * for the charts, and a quality indicator (lib/call/quality). Starts over when the peer connection changes.
 */
import { computed, onScopeDispose, shallowRef, watch, type ComputedRef, type Ref, type ShallowRef } from 'vue'
import { snapshotOf, type CallStatsSnapshot, type StatsRecord, type StatsSample } from '@/lib/call/stats'
import { callQuality, type Quality } from '@/lib/call/quality'

export interface UseCallStatsOptions {
  pc: Ref<RTCPeerConnection | null>
  /** @default 1000 */
  intervalMs?: number
  /** Points kept for the charts. @default 60 */
  historyLength?: number
  /** Whether the other side sends video now (its frame rate only counts then). @default always */
  remoteVideo?: () => boolean
}

export interface StatsPoint {
  at: number
  sendKbps: number | null
  recvKbps: number | null
  rttMs: number | null
  lossPct: number | null
  recvFps: number | null
}

export interface UseCallStatsReturn {
  snapshot: ShallowRef<CallStatsSnapshot | null>
  history: ShallowRef<StatsPoint[]>
  quality: ComputedRef<Quality>
}

export function useCallStats(options: UseCallStatsOptions): UseCallStatsReturn {
  const interval = options.intervalMs ?? 1000
  const keep = options.historyLength ?? 60
  const snapshot = shallowRef<CallStatsSnapshot | null>(null)
  const history = shallowRef<StatsPoint[]>([])
  let previous: StatsSample | null = null
  let timer: ReturnType<typeof setInterval> | undefined
  let busy = false

  async function poll(pc: RTCPeerConnection) {
    if (busy || pc.signalingState === 'closed') return
    busy = true
    try {
      const report = await pc.getStats()
      if (options.pc.value !== pc) return
      const { snapshot: snap, sample } = snapshotOf([...report.values()] as StatsRecord[], previous)
      previous = sample
      snapshot.value = snap
      const point: StatsPoint = {
        at: snap.at,
        sendKbps: snap.sendKbps,
        recvKbps: snap.recvKbps,
        rttMs: snap.rttMs,
        lossPct: snap.lossPct,
        recvFps: snap.recvVideo?.fps ?? null,
      }
      history.value = [...history.value.slice(-(keep - 1)), point]
    } catch {
      // The connection closed between the check and the call: the watcher below starts over.
    } finally {
      busy = false
    }
  }

  watch(
    options.pc,
    (pc) => {
      clearInterval(timer)
      timer = undefined
      previous = null
      snapshot.value = null
      history.value = []
      if (!pc) return
      void poll(pc)
      timer = setInterval(() => void poll(pc), interval)
    },
    { immediate: true },
  )

  const quality = computed(() => {
    const s = snapshot.value
    if (!s) return callQuality({ rttMs: null, jitterMs: null, lossPct: null })
    const videoExpected = options.remoteVideo?.() ?? true
    return callQuality({
      rttMs: s.rttMs,
      jitterMs: s.jitterMs,
      lossPct: s.lossPct,
      recvFps: s.recvVideo && videoExpected ? s.recvVideo.fps : undefined,
    })
  })

  onScopeDispose(() => clearInterval(timer))

  return { snapshot, history, quality }
}
