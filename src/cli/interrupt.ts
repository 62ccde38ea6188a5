/**
 * Ctrl-C and SIGTERM: the first one aborts the command's signal, so reads stop, the progress bar is
 * erased, cursor files are written and temporary outputs removed; exit status 130 (143 for SIGTERM).
 * A second one exits at once.
 */
let controller = new AbortController()
let received: NodeJS.Signals | undefined

export class Interrupted extends Error {
  override readonly name = 'Interrupted'
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted (${signal})`)
  }
}

/** The signal every command passes to the library. */
export const interruption = (): AbortSignal => controller.signal

/** The signal received, if any. */
export const interruptedBy = (): NodeJS.Signals | undefined => received

export const exitStatusFor = (signal: NodeJS.Signals): number => (signal === 'SIGTERM' ? 143 : 130)

/** Installs the handlers for one run; returns their removal. */
export function handleInterrupts(): () => void {
  controller = new AbortController()
  received = undefined
  const on = (signal: NodeJS.Signals) => {
    if (received) process.exit(exitStatusFor(received))
    received = signal
    controller.abort(new Interrupted(signal))
  }
  const onInt = () => on('SIGINT')
  const onTerm = () => on('SIGTERM')
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  return () => {
    process.off('SIGINT', onInt)
    process.off('SIGTERM', onTerm)
  }
}
