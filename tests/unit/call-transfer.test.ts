import { describe, expect, test, vi, afterEach } from 'vitest'
import { IncomingFile, sendFile, TransferAborted, type ChannelLike } from '@/lib/call/fileTransfer'
import { FileControl, parseFrame } from '@/lib/call/dataProtocol'
import { createIceWatchdog, type IceState } from '@/lib/call/iceWatchdog'

/** A data channel whose network drains `drainPerTick` bytes every tick, firing bufferedamountlow like a browser. */
class FakeChannel implements ChannelLike {
  readyState = 'open'
  bufferedAmount = 0
  bufferedAmountLowThreshold = 0
  maxBuffered = 0
  sent: Array<string | ArrayBuffer> = []
  private listeners = new Map<string, Set<() => void>>()
  constructor(private drainPerTick: number) {}
  send(data: string | ArrayBuffer) {
    if (this.readyState !== 'open') throw new Error('closed')
    this.sent.push(data)
    if (typeof data !== 'string') this.bufferedAmount += data.byteLength
    this.maxBuffered = Math.max(this.maxBuffered, this.bufferedAmount)
  }
  addEventListener(type: string, l: () => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set())
    this.listeners.get(type)!.add(l)
  }
  removeEventListener(type: string, l: () => void) {
    this.listeners.get(type)?.delete(l)
  }
  emit(type: string) {
    for (const l of [...(this.listeners.get(type) ?? [])]) l()
  }
  tick() {
    const before = this.bufferedAmount
    this.bufferedAmount = Math.max(0, before - this.drainPerTick)
    if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) this.emit('bufferedamountlow')
  }
  close() {
    this.readyState = 'closed'
    this.emit('close')
  }
}

function pump(ch: FakeChannel) {
  const timer = setInterval(() => ch.tick(), 0)
  return () => clearInterval(timer)
}

function fileOf(size: number): Blob {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff
  return new Blob([bytes])
}

describe('file transfer', () => {
  test('sends every byte in order, never buffers far above the high water mark, and the receiver rebuilds the file', async () => {
    const ch = new FakeChannel(64 * 1024)
    const stop = pump(ch)
    const blob = fileOf(3 * 1024 * 1024 + 123)
    const progress: number[] = []
    await sendFile(ch, blob, {
      id: 'f1',
      name: 'data.bin',
      mime: 'application/octet-stream',
      chunkBytes: 16 * 1024,
      highWaterBytes: 256 * 1024,
      lowWaterBytes: 64 * 1024,
      onProgress: (n) => progress.push(n),
    })
    stop()
    // High water mark plus one chunk at most.
    expect(ch.maxBuffered).toBeLessThanOrEqual(256 * 1024 + 16 * 1024)
    expect(progress.length).toBeGreaterThan(10)
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1]!)).toBe(true)

    const [start, ...rest] = ch.sent
    const end = rest.pop()
    const startMsg = parseFrame(FileControl, start as string)
    expect(startMsg).toEqual({ t: 'file-start', id: 'f1', name: 'data.bin', size: blob.size, mime: 'application/octet-stream' })
    expect(parseFrame(FileControl, end as string)).toEqual({ t: 'file-end', id: 'f1' })
    const incoming = new IncomingFile(startMsg as Extract<FileControl, { t: 'file-start' }>)
    for (const chunk of rest) expect(incoming.push(chunk as ArrayBuffer)).toBe(true)
    expect(incoming.complete).toBe(true)
    const got = Buffer.from(await incoming.toBlob().arrayBuffer())
    // Buffer.equals, not toEqual: a deep comparison of 3 million elements takes seconds.
    expect(got.equals(Buffer.from(await blob.arrayBuffer()))).toBe(true)
  })

  test('an empty file is a start and an end', async () => {
    const ch = new FakeChannel(1)
    await sendFile(ch, new Blob([]), { id: 'e', name: 'empty', mime: '' })
    expect(ch.sent.map((x) => JSON.parse(x as string).t)).toEqual(['file-start', 'file-end'])
  })

  test('cancelling while waiting for the buffer to drain sends file-cancel', async () => {
    const ch = new FakeChannel(0) // nothing drains: the sender has to wait
    const abort = new AbortController()
    const sending = sendFile(ch, fileOf(512 * 1024), {
      id: 'c',
      name: 'x',
      mime: '',
      highWaterBytes: 64 * 1024,
      lowWaterBytes: 16 * 1024,
      signal: abort.signal,
    })
    await new Promise((r) => setTimeout(r, 10))
    abort.abort()
    await expect(sending).rejects.toBeInstanceOf(TransferAborted)
    expect(JSON.parse(ch.sent.at(-1) as string)).toEqual({ t: 'file-cancel', id: 'c' })
  })

  test('a channel that closes mid-transfer fails it', async () => {
    const ch = new FakeChannel(0)
    const sending = sendFile(ch, fileOf(512 * 1024), { id: 'd', name: 'x', mime: '', highWaterBytes: 64 * 1024 })
    await new Promise((r) => setTimeout(r, 10))
    ch.close()
    await expect(sending).rejects.toThrow(/closed/)
  })

  test('a receiver refuses bytes past the announced size', () => {
    const f = new IncomingFile({ t: 'file-start', id: 'x', name: 'x', size: 4, mime: '' })
    expect(f.push(new ArrayBuffer(3))).toBe(true)
    expect(f.push(new ArrayBuffer(2))).toBe(false)
    expect(f.received).toBe(3)
    expect(f.complete).toBe(false)
  })
})

describe('ICE watchdog', () => {
  afterEach(() => vi.useRealTimers())

  function setup(canRestart = () => true) {
    vi.useFakeTimers()
    const restart = vi.fn()
    const giveUp = vi.fn()
    const w = createIceWatchdog({ restart, giveUp, canRestart, disconnectedGraceMs: 3000, restartTimeoutMs: 10_000, maxRestarts: 3 })
    return { w, restart, giveUp, feed: (...s: IceState[]) => s.forEach((x) => w.update(x)) }
  }

  test('failed restarts at once; connected resets the budget', () => {
    const { w, restart, feed } = setup()
    feed('checking', 'connected', 'failed')
    expect(restart).toHaveBeenCalledTimes(1)
    feed('checking', 'connected')
    expect(w.attempts).toBe(0)
  })

  test("failing again while a restart is under way waits for that restart's timeout", () => {
    const { w, restart, feed } = setup()
    feed('connected', 'failed', 'checking', 'failed', 'checking', 'failed')
    expect(restart).toHaveBeenCalledTimes(1)
    expect(w.attempts).toBe(1)
    vi.advanceTimersByTime(10_000)
    expect(restart).toHaveBeenCalledTimes(2)
  })

  test('disconnected gets a grace period and heals without a restart', () => {
    const { restart, feed } = setup()
    feed('connected', 'disconnected')
    vi.advanceTimersByTime(2000)
    feed('connected')
    vi.advanceTimersByTime(5000)
    expect(restart).not.toHaveBeenCalled()
    feed('disconnected')
    vi.advanceTimersByTime(3000)
    expect(restart).toHaveBeenCalledTimes(1)
  })

  test('restarts that never connect back off, then give up once; retry starts over', () => {
    const { w, restart, giveUp, feed } = setup()
    feed('connected', 'failed')
    expect(restart).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(10_000)
    expect(restart).toHaveBeenCalledTimes(2)
    vi.advanceTimersByTime(19_999)
    expect(restart).toHaveBeenCalledTimes(2)
    vi.advanceTimersByTime(1)
    expect(restart).toHaveBeenCalledTimes(3)
    vi.advanceTimersByTime(30_000)
    expect(giveUp).toHaveBeenCalledTimes(1)
    expect(w.gaveUp).toBe(true)
    feed('failed')
    expect(restart).toHaveBeenCalledTimes(3)
    w.retry()
    expect(restart).toHaveBeenCalledTimes(4)
    expect(w.gaveUp).toBe(false)
  })

  test('without signaling the restart waits, without counting', () => {
    let up = false
    const { w, restart, feed } = setup(() => up)
    feed('connected', 'failed')
    expect(restart).not.toHaveBeenCalled()
    vi.advanceTimersByTime(60_000)
    expect(w.attempts).toBe(0)
    up = true
    w.signalingAvailable()
    expect(restart).toHaveBeenCalledTimes(1)
  })

  test('dispose stops everything', () => {
    const { w, restart, feed } = setup()
    feed('connected', 'disconnected')
    w.dispose()
    vi.advanceTimersByTime(10_000)
    expect(restart).not.toHaveBeenCalled()
  })
})
