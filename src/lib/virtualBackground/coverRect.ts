/**
 * Source rectangle (in the background's pixels) that covers a frame of the given aspect, centred,
 * as CSS `object-fit: cover` does. Returned as UV scale and offset for the shader and as a rect for 2D.
 */
export function coverRect(bgWidth: number, bgHeight: number, frameWidth: number, frameHeight: number) {
  const bgAspect = bgWidth / bgHeight
  const frameAspect = frameWidth / frameHeight
  let sw = bgWidth
  let sh = bgHeight
  if (bgAspect > frameAspect) sw = bgHeight * frameAspect
  else sh = bgWidth / frameAspect
  const sx = (bgWidth - sw) / 2
  const sy = (bgHeight - sh) / 2
  return {
    sx,
    sy,
    sw,
    sh,
    uvScale: [sw / bgWidth, sh / bgHeight] as [number, number],
    uvOffset: [sx / bgWidth, sy / bgHeight] as [number, number],
  }
}
