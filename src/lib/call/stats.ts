/**
 * What a call's `getStats()` says, boiled down to what a person (and the quality indicator) cares about:
 * bitrate up and down, frame rate and size each way, round-trip time, packet loss, jitter and the route
 * (host, srflx or relay). Pure functions over plain stats records, so they run in Node tests with recorded
 * reports; `useCallStats` feeds them `[...report.values()]` once a second.
 */

/** One entry of an RTCStatsReport, as plain data (only the fields read here are typed). */
export interface StatsRecord {
  id: string
  type: string
  timestamp: number
  [key: string]: unknown
}

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay'
/** How media travels: directly (host), through a NAT's public address (srflx), or through a TURN relay. */
export type RouteType = 'host' | 'srflx' | 'relay'

export interface CandidateInfo {
  type: CandidateType
  address: string
  port: number
  protocol: string
  /** For relay candidates: how this browser reaches the TURN server (udp, tcp, tls). */
  relayProtocol?: string
}

export interface SelectedRoute {
  /** The transport's selected candidate pair id; changes with every ICE restart that moves the call. */
  pairId: string
  type: RouteType
  local: CandidateInfo
  remote: CandidateInfo
}

interface Counters {
  bytesSent: number
  bytesReceived: number
  framesDecoded: number
  framesEncoded: number
  packetsReceived: number
  packetsLost: number
}

/** The raw numbers of one report that the next report is compared with. */
export interface StatsSample extends Counters {
  /** Report time, ms (the records' own timestamp). */
  at: number
}

export interface VideoShape {
  width: number
  height: number
  fps: number | null
}

export interface CallStatsSnapshot {
  at: number
  /** kbit/s sent (audio + video payload and headers), null on the first sample. */
  sendKbps: number | null
  recvKbps: number | null
  sendVideo: VideoShape | null
  recvVideo: VideoShape | null
  /** Round-trip time of the selected pair, ms. */
  rttMs: number | null
  /** Packets lost of those expected in the last interval, percent (incoming media). */
  lossPct: number | null
  /** Interarrival jitter of incoming media, ms (audio where there is audio: it is what people hear). */
  jitterMs: number | null
  /** The sender's estimate of what the network can take, kbit/s. */
  availableSendKbps: number | null
  /** Why the encoder sends less than asked ('cpu', 'bandwidth'), or null. */
  qualityLimitation: string | null
  /** The video codec each way (`VP9`, `AV1`…), or null before media flows. */
  sendCodec: string | null
  recvCodec: string | null
  route: SelectedRoute | null
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null)
const str = (x: unknown): string => (typeof x === 'string' ? x : '')

function byType(records: readonly StatsRecord[], type: string, kind?: string): StatsRecord[] {
  return records.filter((r) => r.type === type && (kind === undefined || r.kind === kind || r.mediaType === kind))
}

function candidate(r: StatsRecord | undefined): CandidateInfo | null {
  if (!r) return null
  const type = str(r.candidateType) as CandidateType
  if (!['host', 'srflx', 'prflx', 'relay'].includes(type)) return null
  return {
    type,
    address: str(r.address) || str(r.ip),
    port: num(r.port) ?? 0,
    protocol: str(r.protocol),
    ...(r.relayProtocol ? { relayProtocol: str(r.relayProtocol) } : {}),
  }
}

/**
 * The route of a pair. A TURN relay on either end makes it `relay`; a NAT-mapped address of ours (or a server
 * reflexive one of theirs) makes it `srflx`. The remote's `prflx` is ignored: it is only a candidate learned from a
 * connectivity check before its signaling arrived, usually a plain host address.
 */
export function routeType(local: CandidateType, remote: CandidateType): RouteType {
  if (local === 'relay' || remote === 'relay') return 'relay'
  if (local === 'srflx' || local === 'prflx' || remote === 'srflx') return 'srflx'
  return 'host'
}

/** The candidate pair in use: the transport's selected pair, else (Firefox) the nominated succeeded one. */
export function selectedRoute(records: readonly StatsRecord[]): SelectedRoute | null {
  const byId = new Map(records.map((r) => [r.id, r]))
  let pair: StatsRecord | undefined
  for (const t of byType(records, 'transport')) {
    const id = str(t.selectedCandidatePairId)
    if (id && byId.get(id)) pair = byId.get(id)
  }
  pair ??= byType(records, 'candidate-pair').find((p) => p.state === 'succeeded' && (p.nominated === true || p.selected === true))
  if (!pair) return null
  const local = candidate(byId.get(str(pair.localCandidateId)))
  const remote = candidate(byId.get(str(pair.remoteCandidateId)))
  if (!local || !remote) return null
  return { pairId: pair.id, type: routeType(local.type, remote.type), local, remote }
}

function sum(records: readonly StatsRecord[], field: string): number {
  return records.reduce((acc, r) => acc + (num(r[field]) ?? 0), 0)
}

export function sampleOf(records: readonly StatsRecord[]): StatsSample {
  const outbound = byType(records, 'outbound-rtp')
  const inbound = byType(records, 'inbound-rtp')
  const at = records.reduce((m, r) => Math.max(m, num(r.timestamp) ?? 0), 0)
  return {
    at,
    bytesSent: sum(outbound, 'bytesSent') + sum(outbound, 'headerBytesSent'),
    bytesReceived: sum(inbound, 'bytesReceived') + sum(inbound, 'headerBytesReceived'),
    framesEncoded: sum(byType(records, 'outbound-rtp', 'video'), 'framesEncoded'),
    framesDecoded: sum(byType(records, 'inbound-rtp', 'video'), 'framesDecoded'),
    packetsReceived: sum(inbound, 'packetsReceived'),
    packetsLost: sum(inbound, 'packetsLost'),
  }
}

/** kbit/s between two byte counters `ms` apart; null when the counter went backwards (a new connection). */
export function kbps(bytesBefore: number, bytesNow: number, ms: number): number | null {
  if (ms <= 0 || bytesNow < bytesBefore) return null
  return ((bytesNow - bytesBefore) * 8) / ms
}

/** Percent of the packets expected in an interval that were lost. */
export function lossPercent(
  before: Pick<Counters, 'packetsLost' | 'packetsReceived'>,
  now: Pick<Counters, 'packetsLost' | 'packetsReceived'>,
): number | null {
  const lost = now.packetsLost - before.packetsLost
  const received = now.packetsReceived - before.packetsReceived
  if (received < 0 || lost + received <= 0) return null
  return (Math.max(0, lost) / (Math.max(0, lost) + received)) * 100
}

/** The codec an RTP stream uses (`video/VP9` → `VP9`), from its `codec` stats record. */
function codecOf(records: readonly StatsRecord[], rtp: StatsRecord | undefined): string | null {
  const id = str(rtp?.codecId)
  const mime = id ? str(records.find((r) => r.id === id)?.mimeType) : ''
  return mime ? mime.replace(/^video\//i, '').toUpperCase() : null
}

function videoShape(r: StatsRecord | undefined, fpsFallback: number | null): VideoShape | null {
  const width = num(r?.frameWidth)
  const height = num(r?.frameHeight)
  if (!r || !width || !height) return null
  return { width, height, fps: num(r.framesPerSecond) ?? fpsFallback }
}

/** The snapshot of `records`, with rates measured against `previous` (the sample of the last report). */
export function snapshotOf(
  records: readonly StatsRecord[],
  previous: StatsSample | null,
): { snapshot: CallStatsSnapshot; sample: StatsSample } {
  const sample = sampleOf(records)
  const ms = previous ? sample.at - previous.at : 0
  const fresh = previous && ms > 0 ? previous : null
  const outVideo = byType(records, 'outbound-rtp', 'video')
  // With simulcast there are several encodings: the largest one is what the other side mostly sees.
  const sentVideo = outVideo.sort((a, b) => (num(b.frameHeight) ?? 0) - (num(a.frameHeight) ?? 0))[0]
  // The camera's section comes before the screen's (lower mid): its numbers are the ones shown.
  const inVideo = byType(records, 'inbound-rtp', 'video').sort((a, b) => (Number(a.mid) || 0) - (Number(b.mid) || 0))[0]
  const inAudio = byType(records, 'inbound-rtp', 'audio')[0]
  const route = selectedRoute(records)
  const pair = route ? records.find((r) => r.id === route.pairId) : undefined
  const remoteInbound = byType(records, 'remote-inbound-rtp')
    .map((r) => num(r.roundTripTime))
    .find((x) => x !== null)
  const rttSeconds = num(pair?.currentRoundTripTime) ?? remoteInbound ?? null
  const jitterSeconds = num(inAudio?.jitter) ?? num(inVideo?.jitter)
  const perSecond = (a: number, b: number) => (fresh ? Math.max(0, ((b - a) * 1000) / ms) : null)
  const available = num(pair?.availableOutgoingBitrate)
  const limitation = str(sentVideo?.qualityLimitationReason)
  return {
    sample,
    snapshot: {
      at: sample.at,
      sendKbps: fresh ? kbps(fresh.bytesSent, sample.bytesSent, ms) : null,
      recvKbps: fresh ? kbps(fresh.bytesReceived, sample.bytesReceived, ms) : null,
      sendVideo: videoShape(sentVideo, fresh ? perSecond(fresh.framesEncoded, sample.framesEncoded) : null),
      recvVideo: videoShape(inVideo, fresh ? perSecond(fresh.framesDecoded, sample.framesDecoded) : null),
      rttMs: rttSeconds === null ? null : rttSeconds * 1000,
      lossPct: fresh ? lossPercent(fresh, sample) : null,
      jitterMs: jitterSeconds === null ? null : jitterSeconds * 1000,
      availableSendKbps: available === null ? null : available / 1000,
      qualityLimitation: limitation && limitation !== 'none' ? limitation : null,
      sendCodec: codecOf(records, sentVideo),
      recvCodec: codecOf(records, inVideo),
      route,
    },
  }
}
