/**
 * Chat, media state and file transfer over the call's two negotiated data channels (see lib/call/dataProtocol).
 * Chat text is kept as plain strings and shown with text interpolation, never as HTML. Files go one at a time per
 * direction, with backpressure on the sending side and progress on both; a received file becomes an object URL
 * the user saves with a download link (revoked when the call view goes away).
 * The channels are refs: a new peer connection (the other side reloaded) brings new channels, and transfers that
 * were under way fail with a message instead of hanging.
 */
import { onScopeDispose, ref, shallowRef, toValue, watch, type MaybeRefOrGetter, type Ref, type ShallowRef } from 'vue'
import { currentLocale, t } from '@/i18n'
import { randomId } from '@/lib/signaling/client'
import {
  ChatChannelMessage,
  type ChatMessage,
  FILE_CHUNK_BYTES,
  FileControl,
  MAX_CHAT_LENGTH,
  MAX_FILE_BYTES,
  parseFrame,
  safeFileName,
  type PeerMediaState,
} from '@/lib/call/dataProtocol'
import { IncomingFile, sendFile, TransferAborted } from '@/lib/call/fileTransfer'
import { formatBytes } from '@/lib/format'
import type { PeerId } from '@/lib/signaling/schema'

export interface ChatEntry {
  id: string
  from: 'me' | 'peer'
  /** Who sent it (`from: 'peer'`), in a call with more than one other person. */
  peer?: PeerId
  text: string
  at: number
}

export type TransferStatus = 'queued' | 'sending' | 'receiving' | 'done' | 'cancelled' | 'failed'

export interface FileTransfer {
  id: string
  direction: 'out' | 'in'
  /** Who it goes to (out) or comes from (in). */
  peer?: PeerId
  name: string
  size: number
  mime: string
  /** Bytes that left (out) or arrived (in). */
  transferred: number
  status: TransferStatus
  /** Received file, ready to save. */
  url?: string
  error?: string
}

export type LocalMediaState = Omit<PeerMediaState, 't'>

export interface UseDataChannelOptions {
  chat: Ref<RTCDataChannel | null>
  file: Ref<RTCDataChannel | null>
  /** What we send (told to the other side so it can show "muted" / "camera off"). */
  localState: MaybeRefOrGetter<LocalMediaState>
  /** Largest message the connection takes (`pc.sctp.maxMessageSize`). @default 64 KiB */
  maxMessageSize?: MaybeRefOrGetter<number | undefined>
  /** The person at the other end (tags messages and transfers in a shared list). */
  peer?: PeerId
  /**
   * Lists shared with the connections to the other people of a group call (one chat for everyone). This
   * connection only touches its own transfers; received files' URLs outlive it (the call revokes them).
   */
  shared?: SharedChatState
}

export interface SharedChatState {
  messages: Ref<ChatEntry[]>
  transfers: Ref<FileTransfer[]>
  unread: Ref<number>
  /** Object URLs of received files, revoked when the call goes away. */
  urls: Set<string>
}

export interface UseDataChannelReturn {
  /** The chat channel is open (messages can be sent). */
  open: Ref<boolean>
  messages: Ref<ChatEntry[]>
  transfers: Ref<FileTransfer[]>
  /** What the other side says it sends; null until it said anything on this connection. */
  remoteState: ShallowRef<PeerMediaState | null>
  /** Chat messages from the other side not yet seen (the view resets it when the chat is shown). */
  unread: Ref<number>
  /**
   * Sends a chat message on this connection; false when it cannot be sent (empty, too long, channel closed). The
   * call puts it in the list once, whatever number of connections it went out on.
   */
  sendChat(entry: ChatEntry): boolean
  /** Queues files; refused ones (too big) come back with a reason. */
  sendFiles(files: Iterable<File>): Array<{ name: string; reason: string }>
  cancel(id: string): void
  /** Removes a finished transfer from the list (revoking its URL). */
  dismiss(id: string): void
}

export function useDataChannel(options: UseDataChannelOptions): UseDataChannelReturn {
  const open = ref(false)
  const messages = options.shared?.messages ?? ref<ChatEntry[]>([])
  const transfers = options.shared?.transfers ?? ref<FileTransfer[]>([])
  const remoteState = shallowRef<PeerMediaState | null>(null)
  const unread = options.shared?.unread ?? ref(0)
  const peer = options.peer

  /** Files waiting to go, by transfer id. */
  const outgoing = new Map<string, File>()
  let active: { id: string; abort: AbortController } | null = null
  let incoming: IncomingFile | null = null
  let lastIncomingReport = 0
  const urls = options.shared?.urls ?? new Set<string>()

  // Only this connection's transfers: another person cannot touch ours by naming their ids.
  const find = (id: string) => transfers.value.find((t) => t.id === id && t.peer === peer)
  function update(id: string, patch: Partial<FileTransfer>) {
    const t = find(id)
    if (t) Object.assign(t, patch)
  }

  function sendState(channel: RTCDataChannel | null) {
    if (channel?.readyState !== 'open') return
    const st = toValue(options.localState)
    channel.send(JSON.stringify({ t: 'state', audio: st.audio, video: st.video, screen: st.screen } satisfies PeerMediaState))
  }

  // ---- chat channel ----
  watch(
    options.chat,
    (channel, _old, onCleanup) => {
      open.value = channel?.readyState === 'open'
      remoteState.value = null
      if (!channel) return
      const onOpen = () => {
        open.value = true
        sendState(channel)
      }
      const onClose = () => {
        open.value = false
      }
      const onMessage = (e: MessageEvent) => {
        if (typeof e.data !== 'string') return
        const msg = parseFrame(ChatChannelMessage, e.data)
        if (!msg) return console.warn('ignored a malformed chat frame')
        if (msg.t === 'state') remoteState.value = msg
        else {
          messages.value.push({ id: msg.id, from: 'peer', peer, text: msg.text, at: msg.at })
          unread.value++
        }
      }
      channel.addEventListener('open', onOpen)
      channel.addEventListener('close', onClose)
      channel.addEventListener('message', onMessage)
      if (channel.readyState === 'open') onOpen()
      onCleanup(() => {
        channel.removeEventListener('open', onOpen)
        channel.removeEventListener('close', onClose)
        channel.removeEventListener('message', onMessage)
      })
    },
    { immediate: true },
  )

  watch(
    () => ({ ...toValue(options.localState) }),
    () => sendState(options.chat.value),
    { deep: true },
  )

  function sendChat(entry: ChatEntry): boolean {
    const channel = options.chat.value
    if (!entry.text || entry.text.length > MAX_CHAT_LENGTH || channel?.readyState !== 'open') return false
    channel.send(JSON.stringify({ t: 'chat', id: entry.id, text: entry.text, at: entry.at } satisfies ChatMessage))
    return true
  }

  // ---- file channel ----
  function failActive(reason: string) {
    if (active) {
      active.abort.abort()
      update(active.id, { status: 'failed', error: reason })
      active = null
    }
  }
  function failIncoming(reason: string) {
    if (incoming) {
      incoming.discard()
      update(incoming.id, { status: 'failed', error: reason })
      incoming = null
    }
  }

  watch(
    options.file,
    (channel, _old, onCleanup) => {
      // A new connection: whatever was under way on the old one is lost.
      failActive(t('call.chat.replacedSend'))
      failIncoming(t('call.chat.replaced'))
      if (!channel) return
      const onOpen = () => void pump()
      const onClose = () => {
        failActive(t('call.chat.closed'))
        failIncoming(t('call.chat.closed'))
      }
      const onMessage = (e: MessageEvent) => {
        if (typeof e.data === 'string') return onControl(channel, e.data)
        if (!(e.data instanceof ArrayBuffer) || !incoming) return
        const file = incoming
        if (!file.push(e.data)) {
          failIncoming(t('call.chat.tooMuch'))
          channel.send(JSON.stringify({ t: 'file-cancel', id: file.id } satisfies FileControl))
          return
        }
        // Progress at most every 100 ms: a 16 KiB chunk arrives far more often than the UI needs.
        const now = performance.now()
        if (now - lastIncomingReport > 100 || file.complete) {
          lastIncomingReport = now
          update(file.id, { transferred: file.received })
        }
      }
      channel.addEventListener('open', onOpen)
      channel.addEventListener('close', onClose)
      channel.addEventListener('message', onMessage)
      if (channel.readyState === 'open') onOpen()
      onCleanup(() => {
        channel.removeEventListener('open', onOpen)
        channel.removeEventListener('close', onClose)
        channel.removeEventListener('message', onMessage)
      })
    },
    { immediate: true },
  )

  function onControl(channel: RTCDataChannel, frame: string) {
    const msg = parseFrame(FileControl, frame)
    if (!msg) return console.warn('ignored a malformed file frame')
    switch (msg.t) {
      case 'file-start':
        failIncoming(t('call.chat.overlap'))
        incoming = new IncomingFile(msg)
        lastIncomingReport = 0
        transfers.value.push({
          id: msg.id,
          direction: 'in',
          peer,
          name: safeFileName(msg.name),
          size: msg.size,
          mime: msg.mime,
          transferred: 0,
          status: 'receiving',
        })
        break
      case 'file-end': {
        const file = incoming
        if (!file || file.id !== msg.id) return
        incoming = null
        if (!file.complete) {
          update(file.id, {
            status: 'failed',
            error: t('call.chat.incomplete', {
              done: formatBytes(file.received, currentLocale()),
              size: formatBytes(file.size, currentLocale()),
            }),
          })
          return
        }
        const url = URL.createObjectURL(file.toBlob())
        urls.add(url)
        update(file.id, { status: 'done', transferred: file.size, url })
        channel.send(JSON.stringify({ t: 'file-ack', id: file.id } satisfies FileControl))
        break
      }
      case 'file-ack':
        update(msg.id, { status: 'done', transferred: find(msg.id)?.size ?? 0 })
        break
      case 'file-cancel':
        if (incoming?.id === msg.id) {
          incoming.discard()
          incoming = null
          update(msg.id, { status: 'cancelled', error: t('call.chat.senderCancelled') })
        } else if (active?.id === msg.id) {
          active.abort.abort()
          active = null
          update(msg.id, { status: 'cancelled', error: t('call.chat.declined') })
        } else if (find(msg.id)?.status === 'sending') {
          update(msg.id, { status: 'cancelled', error: t('call.chat.declined') })
        }
        break
    }
  }

  /** Sends queued files one after the other while the channel is open. */
  async function pump() {
    const channel = options.file.value
    if (active || channel?.readyState !== 'open') return
    const next = transfers.value.find((t) => t.direction === 'out' && t.status === 'queued' && t.peer === peer)
    const file = next && outgoing.get(next.id)
    if (!next || !file) return
    const abort = new AbortController()
    active = { id: next.id, abort }
    next.status = 'sending'
    const maxMessage = toValue(options.maxMessageSize) ?? 64 * 1024
    try {
      await sendFile(channel, file, {
        id: next.id,
        name: next.name,
        mime: next.mime,
        chunkBytes: Math.max(FILE_CHUNK_BYTES, Math.min(64 * 1024, maxMessage)),
        signal: abort.signal,
        onProgress: (sent) => update(next.id, { transferred: Math.min(sent, next.size) }),
      })
      // Every byte is on its way; `file-ack` marks it done once the other side has it all.
    } catch (err) {
      const t = find(next.id)
      if (t && t.status === 'sending') {
        const aborted = err instanceof TransferAborted && abort.signal.aborted
        t.status = aborted ? 'cancelled' : 'failed'
        t.error = aborted ? undefined : err instanceof Error ? err.message : String(err)
      }
    } finally {
      outgoing.delete(next.id)
      if (active?.id === next.id) active = null
    }
    void pump()
  }

  function sendFiles(files: Iterable<File>) {
    const refused: Array<{ name: string; reason: string }> = []
    for (const file of files) {
      if (file.size > MAX_FILE_BYTES) {
        refused.push({ name: file.name, reason: t('call.chat.tooLarge', { max: formatBytes(MAX_FILE_BYTES, currentLocale()) }) })
        continue
      }
      const id = randomId(9)
      outgoing.set(id, file)
      transfers.value.push({
        id,
        direction: 'out',
        peer,
        name: safeFileName(file.name),
        size: file.size,
        mime: file.type,
        transferred: 0,
        status: 'queued',
      })
    }
    void pump()
    return refused
  }

  function cancel(id: string) {
    const t = find(id)
    if (!t) return
    if (t.direction === 'out') {
      if (active?.id === id) active.abort.abort()
      outgoing.delete(id)
      if (t.status === 'queued' || t.status === 'sending') t.status = 'cancelled'
    } else if (incoming?.id === id) {
      incoming.discard()
      incoming = null
      t.status = 'cancelled'
      const channel = options.file.value
      if (channel?.readyState === 'open') channel.send(JSON.stringify({ t: 'file-cancel', id } satisfies FileControl))
    }
  }

  function dismiss(id: string) {
    const i = transfers.value.findIndex((t) => t.id === id && t.peer === peer)
    if (i < 0) return
    const t = transfers.value[i]!
    if (t.status === 'queued' || t.status === 'sending' || t.status === 'receiving') cancel(id)
    if (t.url) {
      URL.revokeObjectURL(t.url)
      urls.delete(t.url)
    }
    transfers.value.splice(i, 1)
  }

  onScopeDispose(() => {
    active?.abort.abort()
    active = null
    incoming?.discard()
    incoming = null
    outgoing.clear()
    if (options.shared) {
      // The person left (or the call ended): what was still going to or from them cannot finish.
      for (const tr of transfers.value) {
        if (tr.peer === peer && (tr.status === 'queued' || tr.status === 'sending' || tr.status === 'receiving'))
          Object.assign(tr, { status: 'failed', error: t('call.chat.closed') })
      }
      return
    }
    for (const url of urls) URL.revokeObjectURL(url)
    urls.clear()
  })

  return { open, messages, transfers, remoteState, unread, sendChat, sendFiles, cancel, dismiss }
}
