import { onScopeDispose, shallowRef, toValue, watch, type MaybeRefOrGetter, type ShallowRef } from 'vue'

/** The thumbnail copies made of each stream, so whoever releases the stream's device stops them too. */
const copiesOf = new WeakMap<MediaStream, Set<MediaStreamTrack>>()

/**
 * Stops the thumbnail copies made of `stream`. useUserMediaTrack calls it when it frees a device: a cloned track
 * keeps the camera open, and some cameras (most phones' when flipping) cannot be opened again while it is.
 */
export function stopThumbnailCopies(stream: MediaStream | undefined): void {
  const copies = stream && copiesOf.get(stream)
  copies?.forEach((t) => t.stop())
  copies?.clear()
}

/**
 * A small copy of a stream's video for thumbnails: one clone of its video track, scaled down to at most `maxWidth`
 * pixels wide (same shape), for every thumbnail to play; stopped when the stream changes or the scope ends.
 *
 * Why not the stream itself: every <video> playing a 1280×720 camera takes full frames. With the filter strip's
 * eleven of them, WebKitGTK (on a two-core machine) mostly hands out an empty picture when the preview is drawn
 * on a canvas, which is how a photo is taken; with small copies it does not (tests/e2e/webkit.test.ts).
 */
export function useThumbnailStream(source: MaybeRefOrGetter<MediaStream | undefined>, maxWidth = 320): ShallowRef<MediaStream | undefined> {
  const small = shallowRef<MediaStream>()
  let copy: { of: MediaStream; track: MediaStreamTrack } | undefined

  function release() {
    if (!copy) return
    copy.track.stop()
    copiesOf.get(copy.of)?.delete(copy.track)
    copy = undefined
  }

  watch(
    () => toValue(source),
    (stream) => {
      release()
      const video = stream?.getVideoTracks()[0]
      if (!stream || !video || video.readyState === 'ended') {
        small.value = undefined
        return
      }
      const track = video.clone()
      copy = { of: stream, track }
      if (!copiesOf.has(stream)) copiesOf.set(stream, new Set())
      copiesOf.get(stream)!.add(track)
      small.value = new MediaStream([track])
      const { width, height } = video.getSettings()
      if (width && height && width > maxWidth) {
        // crop-and-scale: scale this copy, never switch the camera itself to a small mode.
        const small: MediaTrackConstraints & { resizeMode?: string } = {
          width: maxWidth,
          height: Math.round((height * maxWidth) / width),
          resizeMode: 'crop-and-scale',
        }
        track.applyConstraints(small).catch(() => {
          // A browser that cannot scale a copy shows the thumbnails at full size, as before.
        })
      }
    },
    { immediate: true },
  )
  onScopeDispose(release)
  return small
}
