/** The video codec order given to setCodecPreferences (lib/call/codecs), and the codec read back from getStats. */
import { describe, expect, test } from 'vitest'
import { orderCodecs } from '@/lib/call/codecs'
import { snapshotOf, type StatsRecord } from '@/lib/call/stats'

// What Chromium 156's RTCRtpReceiver.getCapabilities('video') lists here, in its order (fmtp lines shortened).
const CHROMIUM = [
  { mimeType: 'video/VP8' },
  { mimeType: 'video/rtx' },
  { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=0' },
  { mimeType: 'video/VP9', sdpFmtpLine: 'profile-id=2' },
  { mimeType: 'video/H264', sdpFmtpLine: 'profile-level-id=42001f' },
  { mimeType: 'video/H264', sdpFmtpLine: 'profile-level-id=42e01f' },
  { mimeType: 'video/AV1', sdpFmtpLine: 'profile=0' },
  { mimeType: 'video/AV1', sdpFmtpLine: 'profile=1' },
  { mimeType: 'video/red' },
  { mimeType: 'video/ulpfec' },
  { mimeType: 'video/flexfec-03' },
]
const names = (list: Array<{ mimeType: string; sdpFmtpLine?: string }>) =>
  list.map((c) => `${c.mimeType.slice(6)}${c.sdpFmtpLine ? ` ${c.sdpFmtpLine}` : ''}`)

describe('orderCodecs', () => {
  test('auto: AV1, then VP9, then VP8, then H.264, repair formats last, nothing dropped', () => {
    expect(names(orderCodecs(CHROMIUM))).toEqual([
      'AV1 profile=0',
      'AV1 profile=1',
      'VP9 profile-id=0',
      'VP9 profile-id=2',
      'VP8',
      'H264 profile-level-id=42001f',
      'H264 profile-level-id=42e01f',
      'rtx',
      'red',
      'ulpfec',
      'flexfec-03',
    ])
  })

  test('a pick goes first and the rest stay behind it as the fallback', () => {
    expect(names(orderCodecs(CHROMIUM, 'VP8')).slice(0, 5)).toEqual([
      'VP8',
      'AV1 profile=0',
      'AV1 profile=1',
      'VP9 profile-id=0',
      'VP9 profile-id=2',
    ])
    expect(names(orderCodecs(CHROMIUM, 'H264')).slice(0, 3)).toEqual([
      'H264 profile-level-id=42001f',
      'H264 profile-level-id=42e01f',
      'AV1 profile=0',
    ])
    expect(orderCodecs(CHROMIUM, 'VP9')).toHaveLength(CHROMIUM.length)
  })

  test('a browser without AV1: the order starts at VP9; a codec nobody ranks stays before the repair formats', () => {
    const noAv1 = [{ mimeType: 'video/VP8' }, { mimeType: 'video/rtx' }, { mimeType: 'video/H265' }, { mimeType: 'video/VP9' }]
    expect(names(orderCodecs(noAv1))).toEqual(['VP9', 'VP8', 'H265', 'rtx'])
    expect(names(orderCodecs(noAv1, 'AV1'))).toEqual(['VP9', 'VP8', 'H265', 'rtx'])
  })
})

describe('the codec in the stats', () => {
  test("each way, from the RTP stream's codec record; the camera (lower mid) before the screen", () => {
    const records: StatsRecord[] = [
      { id: 'OV', type: 'outbound-rtp', kind: 'video', timestamp: 1000, codecId: 'C1', frameWidth: 320, frameHeight: 240 },
      { id: 'IS', type: 'inbound-rtp', kind: 'video', timestamp: 1000, codecId: 'C3', mid: '2', frameWidth: 1280, frameHeight: 720 },
      { id: 'IC', type: 'inbound-rtp', kind: 'video', timestamp: 1000, codecId: 'C2', mid: '1', frameWidth: 640, frameHeight: 480 },
      { id: 'C1', type: 'codec', timestamp: 1000, mimeType: 'video/AV1' },
      { id: 'C2', type: 'codec', timestamp: 1000, mimeType: 'video/VP9' },
      { id: 'C3', type: 'codec', timestamp: 1000, mimeType: 'video/VP8' },
    ]
    const { snapshot } = snapshotOf(records, null)
    expect(snapshot.sendCodec).toBe('AV1')
    expect(snapshot.recvCodec).toBe('VP9')
    expect(snapshot.recvVideo).toMatchObject({ width: 640, height: 480 })
  })

  test('no media yet: no codec', () => {
    expect(snapshotOf([], null).snapshot.sendCodec).toBeNull()
  })
})
