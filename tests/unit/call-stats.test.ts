import { describe, expect, test } from 'vitest'
import { kbps, lossPercent, routeType, selectedRoute, snapshotOf, type StatsRecord } from '@/lib/call/stats'
import { callQuality, meanOpinionScore } from '@/lib/call/quality'

/** A Chromium-shaped report (field names as getStats gives them) at time `t` ms with counters scaled by `k`. */
function report(t: number, k: number, relay = false): StatsRecord[] {
  return [
    { id: 'T01', type: 'transport', timestamp: t, selectedCandidatePairId: 'CP1' },
    {
      id: 'CP1',
      type: 'candidate-pair',
      timestamp: t,
      localCandidateId: 'L1',
      remoteCandidateId: 'R1',
      state: 'succeeded',
      nominated: true,
      currentRoundTripTime: 0.042,
      availableOutgoingBitrate: 1_500_000,
    },
    { id: 'CP2', type: 'candidate-pair', timestamp: t, localCandidateId: 'L2', remoteCandidateId: 'R1', state: 'failed' },
    {
      id: 'L1',
      type: 'local-candidate',
      timestamp: t,
      candidateType: relay ? 'relay' : 'host',
      address: '127.0.0.1',
      port: 50000,
      protocol: 'udp',
      ...(relay ? { relayProtocol: 'udp' } : {}),
    },
    { id: 'L2', type: 'local-candidate', timestamp: t, candidateType: 'srflx', address: '203.0.113.5', port: 1, protocol: 'udp' },
    { id: 'R1', type: 'remote-candidate', timestamp: t, candidateType: 'prflx', address: '127.0.0.1', port: 50001, protocol: 'udp' },
    {
      id: 'OV',
      type: 'outbound-rtp',
      kind: 'video',
      timestamp: t,
      bytesSent: 125_000 * k,
      headerBytesSent: 0,
      framesEncoded: 30 * k,
      frameWidth: 640,
      frameHeight: 480,
      framesPerSecond: 30,
      qualityLimitationReason: 'bandwidth',
    },
    { id: 'OA', type: 'outbound-rtp', kind: 'audio', timestamp: t, bytesSent: 5_000 * k, headerBytesSent: 0 },
    {
      id: 'IV',
      type: 'inbound-rtp',
      kind: 'video',
      timestamp: t,
      bytesReceived: 250_000 * k,
      framesDecoded: 25 * k,
      frameWidth: 1280,
      frameHeight: 720,
      packetsReceived: 95 * k,
      packetsLost: 5 * k,
      jitter: 0.02,
    },
    { id: 'IA', type: 'inbound-rtp', kind: 'audio', timestamp: t, bytesReceived: 0, packetsReceived: 0, packetsLost: 0, jitter: 0.008 },
  ]
}

describe('call stats', () => {
  test('rates between two reports a second apart', () => {
    const first = snapshotOf(report(1000, 1), null)
    expect(first.snapshot.sendKbps).toBeNull()
    const { snapshot } = snapshotOf(report(2000, 2), first.sample)
    expect(snapshot.sendKbps).toBeCloseTo(((125_000 + 5_000) * 8) / 1000)
    expect(snapshot.recvKbps).toBeCloseTo(2000)
    expect(snapshot.sendVideo).toEqual({ width: 640, height: 480, fps: 30 })
    // No framesPerSecond on the inbound side: frames decoded per second instead.
    expect(snapshot.recvVideo).toEqual({ width: 1280, height: 720, fps: 25 })
    expect(snapshot.rttMs).toBeCloseTo(42)
    expect(snapshot.lossPct).toBeCloseTo(5)
    // Audio jitter is what people hear.
    expect(snapshot.jitterMs).toBeCloseTo(8)
    expect(snapshot.availableSendKbps).toBe(1500)
    expect(snapshot.qualityLimitation).toBe('bandwidth')
    expect(snapshot.route).toMatchObject({ pairId: 'CP1', type: 'host', local: { address: '127.0.0.1', port: 50000 } })
  })

  test('a relay on our side makes the route relay', () => {
    const route = selectedRoute(report(1, 1, true))
    expect(route?.type).toBe('relay')
    expect(route?.local.relayProtocol).toBe('udp')
  })

  test('route types', () => {
    expect(routeType('host', 'host')).toBe('host')
    expect(routeType('host', 'prflx')).toBe('host')
    expect(routeType('srflx', 'host')).toBe('srflx')
    expect(routeType('prflx', 'host')).toBe('srflx')
    expect(routeType('host', 'relay')).toBe('relay')
  })

  test('without a selected pair id, the nominated succeeded pair (Firefox)', () => {
    const r = report(1, 1).map((x) => (x.type === 'transport' ? { ...x, selectedCandidatePairId: undefined } : x))
    expect(selectedRoute(r)?.pairId).toBe('CP1')
    expect(selectedRoute(r.filter((x) => x.type !== 'candidate-pair'))).toBeNull()
  })

  test('counters that go backwards (a new connection) give no rate', () => {
    expect(kbps(1000, 500, 1000)).toBeNull()
    expect(kbps(0, 1000, 0)).toBeNull()
    expect(lossPercent({ packetsLost: 0, packetsReceived: 10 }, { packetsLost: 0, packetsReceived: 10 })).toBeNull()
    expect(lossPercent({ packetsLost: 0, packetsReceived: 0 }, { packetsLost: 1, packetsReceived: 3 })).toBe(25)
  })
})

describe('call quality', () => {
  test('a LAN call is excellent, a bad network is poor', () => {
    expect(callQuality({ rttMs: 5, jitterMs: 2, lossPct: 0 })).toMatchObject({ level: 'excellent', bars: 4, reason: '' })
    expect(callQuality({ rttMs: 150, jitterMs: 20, lossPct: 1 }).level).toBe('good')
    expect(callQuality({ rttMs: 600, jitterMs: 60, lossPct: 3 }).level).toBe('poor')
    expect(callQuality({ rttMs: 30, jitterMs: 5, lossPct: 12 })).toMatchObject({ level: 'poor', reason: '12.0 % of packets lost' })
  })
  test('nothing measured yet', () => {
    expect(callQuality({ rttMs: null, jitterMs: null, lossPct: null })).toEqual({ level: 'unknown', bars: 0, mos: null, reason: '' })
  })
  test('a slideshow caps the level at fair', () => {
    expect(callQuality({ rttMs: 5, jitterMs: 2, lossPct: 0, recvFps: 3 })).toMatchObject({
      level: 'fair',
      reason: 'video at 3 frames per second',
    })
  })
  test('MOS is monotonic in delay and loss, within 1..4.5', () => {
    expect(meanOpinionScore(0, 0, 0)).toBeGreaterThan(4.3)
    expect(meanOpinionScore(0, 0, 0)).toBeLessThanOrEqual(4.5)
    expect(meanOpinionScore(300, 0, 0)).toBeLessThan(meanOpinionScore(100, 0, 0))
    expect(meanOpinionScore(100, 0, 5)).toBeLessThan(meanOpinionScore(100, 0, 1))
    expect(meanOpinionScore(5000, 500, 100)).toBeGreaterThanOrEqual(1)
  })
})
