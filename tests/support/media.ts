import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdirSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const run = promisify(execFile)

export const FIXTURES = new URL('../fixtures/', import.meta.url).pathname

/** Scratch space for generated clips (they are large, so they are made at test time, not committed). */
export function scratchDir(): string {
  const dir = join(tmpdir(), 'media-studio-tests')
  mkdirSync(dir, { recursive: true })
  return dir
}

/**
 * A fake-camera clip (.y4m) of a still picture, scaled to fill width x height, made with ffmpeg.
 * Cached by name, so a run makes each clip once.
 */
export async function stillClip(
  image: string,
  width: number,
  height: number,
  fps = 30,
  seconds = 2,
  /** An extra ffmpeg filter after the scaling (a darker copy for the low-light fix, say), and a name for it. */
  extra?: { name: string; filter: string },
): Promise<string> {
  const out = join(scratchDir(), `${image.replace(/\W+/g, '_')}-${width}x${height}@${fps}${extra ? `-${extra.name}` : ''}.y4m`)
  if (existsSync(out)) return out
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-loop',
    '1',
    '-i',
    join(FIXTURES, image),
    '-t',
    String(seconds),
    '-r',
    String(fps),
    '-vf',
    `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height}${extra ? `,${extra.filter}` : ''}`,
    '-pix_fmt',
    'yuv420p',
    out,
  ])
  return out
}

export async function ffprobeJson(file: string, extra: string[] = []): Promise<Record<string, unknown>> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...extra, file], {
    maxBuffer: 64 * 1024 * 1024,
  })
  return JSON.parse(stdout) as Record<string, unknown>
}
