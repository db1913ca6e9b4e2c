/** The error the WebCodecs MP4 path throws when the browser has no H.264 encoder (the page falls back to ffmpeg.wasm). */
import { ExportError } from './exportErrors'

export class NoNativeEncoderError extends ExportError {
  static readonly NAME = 'NoNativeEncoderError'
  override name = NoNativeEncoderError.NAME
}
