/** Where a click on a `<video>` with `object-fit: contain` lands in the frame, as 0..1 of its width and height. */
export function pointInContainedFrame(
  clickX: number,
  clickY: number,
  box: { left: number; top: number; width: number; height: number },
  frameW: number,
  frameH: number,
  mirrored: boolean,
): { x: number; y: number } | null {
  if (!frameW || !frameH || !box.width || !box.height) return null
  const scale = Math.min(box.width / frameW, box.height / frameH)
  const w = frameW * scale
  const h = frameH * scale
  let x = (clickX - box.left - (box.width - w) / 2) / w
  const y = (clickY - box.top - (box.height - h) / 2) / h
  if (x < 0 || x > 1 || y < 0 || y > 1) return null
  // The preview is mirrored with CSS; the frame itself is not.
  if (mirrored) x = 1 - x
  return { x, y }
}
