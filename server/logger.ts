/** Structured JSON logs (pino) on stdout: one object per line, easy to ship and to grep. */
import { pino, type Logger, type DestinationStream } from 'pino'

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { pid: process.pid } }, destination)
}
