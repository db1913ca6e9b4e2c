import { describe, expect, test } from 'vitest'
import { ChatChannelMessage, FileControl, parseFrame, safeFileName } from '@/lib/call/dataProtocol'
import { encodingCaps, withCaps } from '@/lib/call/encoding'
import { callLink, parseRoomInput } from '@/lib/call/room'
import { describeCandidateError, expiredCredentials, iceFailed } from '@/lib/call/iceErrors'

describe('data channel frames', () => {
  test('chat and state frames parse; anything else is null, never thrown', () => {
    expect(parseFrame(ChatChannelMessage, JSON.stringify({ t: 'chat', id: 'a1', text: '<b>hi</b>', at: 1 }))).toEqual({
      t: 'chat',
      id: 'a1',
      text: '<b>hi</b>',
      at: 1,
    })
    expect(parseFrame(ChatChannelMessage, JSON.stringify({ t: 'state', audio: true, video: false, screen: false }))?.t).toBe('state')
    for (const bad of [
      '',
      'nope',
      '{}',
      JSON.stringify({ t: 'chat', id: 'a1', text: '', at: 1 }),
      JSON.stringify({ t: 'chat', id: 'a 1', text: 'x', at: 1 }),
      JSON.stringify({ t: 'chat', id: 'a', text: 'x', at: 1, html: '<img>' }),
      JSON.stringify({ t: 'chat', id: 'a', text: 'x'.repeat(5000), at: 1 }),
      'x'.repeat(20_000),
    ]) {
      expect(parseFrame(ChatChannelMessage, bad)).toBeNull()
    }
  })
  test('file control frames', () => {
    expect(parseFrame(FileControl, JSON.stringify({ t: 'file-start', id: 'f', name: 'a.txt', size: 3, mime: 'text/plain' }))?.t).toBe(
      'file-start',
    )
    expect(parseFrame(FileControl, JSON.stringify({ t: 'file-start', id: 'f', name: 'a.txt', size: -1, mime: '' }))).toBeNull()
    expect(parseFrame(FileControl, JSON.stringify({ t: 'file-start', id: 'f', name: 'a.txt', size: 2 ** 40, mime: '' }))).toBeNull()
    expect(parseFrame(FileControl, JSON.stringify({ t: 'file-ack', id: 'f' }))).toEqual({ t: 'file-ack', id: 'f' })
  })
  test('file names are safe to save', () => {
    expect(safeFileName('../../etc/passwd')).toBe('_.._etc_passwd')
    expect(safeFileName('report\u202Efdp.exe')).toBe('reportfdp.exe')
    expect(safeFileName('...')).toBe('file')
    expect(safeFileName('photo 1.png')).toBe('photo 1.png')
  })
})

describe('encoding caps', () => {
  test('a resolution cap scales down the shorter side; bitrate in bit/s', () => {
    expect(encodingCaps({ maxKbps: 500, maxLines: 360 }, { width: 1280, height: 720 })).toEqual({
      maxBitrate: 500_000,
      scaleResolutionDownBy: 2,
    })
    expect(encodingCaps({ maxKbps: null, maxLines: 720 }, { width: 720, height: 1280 })).toEqual({
      maxBitrate: undefined,
      scaleResolutionDownBy: 1,
    })
    expect(encodingCaps({ maxKbps: null, maxLines: 480 }, { width: 640, height: 360 }).scaleResolutionDownBy).toBe(1)
    expect(encodingCaps({ maxKbps: null, maxLines: 180 }, undefined).scaleResolutionDownBy).toBe(1)
  })
  test('withCaps writes every encoding, and says when nothing changes', () => {
    const params = { transactionId: 't', encodings: [{ active: true }] }
    const next = withCaps(params, { maxBitrate: 250_000, scaleResolutionDownBy: 2 })
    expect(next).toEqual({ transactionId: 't', encodings: [{ active: true, maxBitrate: 250_000, scaleResolutionDownBy: 2 }] })
    expect(withCaps(next!, { maxBitrate: 250_000, scaleResolutionDownBy: 2 })).toBeNull()
    expect(withCaps(next!, { maxBitrate: undefined, scaleResolutionDownBy: 1 })!.encodings[0]).toEqual({
      active: true,
      scaleResolutionDownBy: 1,
    })
    expect(withCaps({ encodings: [] }, { maxBitrate: 1, scaleResolutionDownBy: 1 })).toBeNull()
    expect(withCaps({ encodings: [{}] }, { maxBitrate: undefined, scaleResolutionDownBy: 1 })).toBeNull()
  })
})

describe('call links', () => {
  const room = 'Abc_def-0123456789ABCD'
  test('link and back', () => {
    const link = callLink('https://studio.example', room)
    expect(link).toBe(`https://studio.example/call/${room}`)
    expect(callLink('https://x.example', room, '/app/')).toBe(`https://x.example/app/call/${room}`)
    expect(parseRoomInput(link)).toBe(room)
    expect(parseRoomInput(`  ${link}?relay=1#x `)).toBe(room)
    expect(parseRoomInput(room)).toBe(room)
    expect(parseRoomInput(`/call/${room}/`)).toBe(room)
  })
  test('anything else is refused', () => {
    for (const bad of [
      '',
      'short',
      'https://studio.example/gallery',
      'https://studio.example/call/',
      `https://x/call/${room}/extra`,
      'bad room id!!',
      'https://x/call/%3Cscript%3E',
    ]) {
      expect(parseRoomInput(bad)).toBeNull()
    }
  })
})

describe('ICE problems in words', () => {
  test('TURN refusals', () => {
    expect(describeCandidateError({ url: 'turn:127.0.0.1:3478?transport=udp', errorCode: 401, errorText: 'Unauthorized' })?.kind).toBe(
      'turn-auth',
    )
    expect(describeCandidateError({ url: 'turn:t.example', errorCode: 701, errorText: '' })?.kind).toBe('turn-unreachable')
    expect(describeCandidateError({ url: 'stun:s.example', errorCode: 701, errorText: '' })).toBeNull()
    expect(describeCandidateError({ url: 'turn:t.example', errorCode: 300, errorText: '' })).toBeNull()
  })
  test('expired credentials and failures', () => {
    expect(expiredCredentials(null, 5)).toBeNull()
    expect(expiredCredentials(10, 5)).toBeNull()
    expect(expiredCredentials(5, 10)?.kind).toBe('turn-expired')
    expect(iceFailed(true, 0).kind).toBe('no-relay')
    expect(iceFailed(true, 2).kind).toBe('failed')
    expect(iceFailed(false, 0).kind).toBe('failed')
  })
})
