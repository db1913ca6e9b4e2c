/**
 * Playing a track where no one sees it: frame pumps, background videos and the recorder's wait for a first frame
 * read pictures from a `<video>` that is never attached to the page.
 */

/** A muted, inline, autoplaying `<video>` that is never attached to the page. */
export function hiddenVideo(doc: Document): HTMLVideoElement {
  const v = doc.createElement('video')
  v.muted = true
  v.playsInline = true
  v.autoplay = true
  return v
}

/** Plays a track in a hidden `<video>`; `release()` detaches it (the track itself is left running). */
export function playTrack(doc: Document, track: MediaStreamTrack): { video: HTMLVideoElement; release(): void } {
  const video = hiddenVideo(doc)
  video.srcObject = new MediaStream([track])
  void video.play().catch(() => {})
  return {
    video,
    release() {
      video.pause()
      video.srcObject = null
    },
  }
}
