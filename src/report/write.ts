/** A report page written to a file: under a temporary name, renamed when complete (sinks/file.ts). */
import { fileSink } from '../sinks/file.js'

export async function writeReport(file: string, html: string): Promise<void> {
  const sink = fileSink(file)
  try {
    await sink.write(Buffer.from(html, 'utf8'))
    await sink.end()
  } catch (err) {
    await sink.destroy()
    throw err
  }
}
