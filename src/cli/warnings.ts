/**
 * The AWS SDK prints a 9-line NodeVersionSupportWarning on Node 20 (its releases after the first week
 * of January 2027 need Node >= 22) on every command. The CLI drops that one warning; every other
 * warning still shows, and the library filters nothing.
 */
export function dropSdkNodeVersionWarning(): void {
  const emit = process.emitWarning.bind(process)
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning?.message
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type
    if (type === 'NodeVersionSupportWarning' || (typeof text === 'string' && text.startsWith('NodeVersionSupportWarning:'))) return
    ;(emit as (...a: unknown[]) => void)(warning, ...rest)
  }) as typeof process.emitWarning
}
