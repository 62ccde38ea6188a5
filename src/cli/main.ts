/**
 * The `s3inv` command line. Errors print as one line, `s3inv: CODE: message`, exit 1; usage errors (a
 * bad flag or value, found before any I/O) print one line and "see `s3inv <cmd> --help`", exit 2; a
 * closed stdout pipe (`| head`) ends quietly with 0; Ctrl-C stops cleanly with 130.
 */
import { Command, CommanderError } from 'commander'
import pkg from '../../package.json'
import { formatError, S3InventoryError } from '../index.js'
import { register as dbUri } from './commands/db-uri.js'
import { register as deliveries } from './commands/deliveries.js'
import { register as enqueue } from './commands/enqueue.js'
import { register as estimate } from './commands/estimate.js'
import { register as exportCmd } from './commands/export.js'
import { register as ls } from './commands/ls.js'
import { register as manifest } from './commands/manifest.js'
import { register as report } from './commands/report.js'
import { register as stats } from './commands/stats.js'
import { register as cat } from './commands/cat.js'
import { register as diff } from './commands/diff.js'
import { register as sql } from './commands/sql.js'
import { register as html } from './commands/html.js'
import { inFlagTerms } from './flags.js'
import { exitStatusFor, handleInterrupts, interruptedBy } from './interrupt.js'
import { OutputClosed, writer } from './output.js'
import { UsageError, usageFromLibrary } from './usage.js'

/** Each command lives in commands/<name>.ts and registers itself here (help lists them in this order). */
const COMMANDS: ((program: Command) => void)[] = [
  ls,
  stats,
  deliveries,
  exportCmd,
  manifest,
  enqueue,
  estimate,
  report,
  dbUri,
  cat,
  diff,
  sql,
  html,
]

/** The command whose action is running (its flags name the library's options in errors). */
let running: Command | undefined

function buildProgram(): Command {
  const program = new Command('s3inv')
    .description('Stream, filter and summarize S3 Inventory reports from S3 or local disk.')
    .version(pkg.version, '-V, --version')
    .exitOverride()
    // Errors are printed by main(), one line each; help and version still go to stdout.
    .configureOutput({ outputError: () => {} })
  program.hook('preAction', (_program, cmd) => {
    running = cmd
  })
  for (const register of COMMANDS) register(program)
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ outputError: () => {} })
  return program
}

export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram()
  if (argv.length <= 2) return shortUsage(program)
  const out = writer(process.stdout)
  const release = handleInterrupts()
  try {
    await program.parseAsync(argv)
    // Everything printed has reached the OS: a full disk or a closed descriptor fails the command.
    await out.flush()
    return 0
  } catch (err) {
    // Help and version went to stdout like any output: a full disk or a bad descriptor fails them too.
    if (printedToStdout(err)) await out.flush().catch((e: unknown) => (err = e))
    return failed(err, program, argv)
  } finally {
    release()
  }
}

function failed(err: unknown, program: Command, argv: readonly string[]): number {
  const debug = argv.includes('--debug')
  const signal = interruptedBy()
  if (signal) {
    if (!argv.includes('-q') && !argv.includes('--quiet')) process.stderr.write('s3inv: interrupted\n')
    return exitStatusFor(signal)
  }
  if (closedPipe(err)) return 0 // the reader of stdout went away (`| head`): not a failure
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0
    // `s3inv help ls` (exit code 0); commander's help on stderr (exit code 1, no command given): a usage error.
    if (err.code === 'commander.help') return err.exitCode === 0 ? 0 : 2
    return usage(commanderMessage(err.message), program, argv)
  }
  if (err instanceof UsageError) return usage(err.message, program, argv)
  // A library check of a flag's value that ran after parsing (it names the flag): still a usage error.
  if (err instanceof S3InventoryError && err.option?.startsWith('--')) {
    const u = usageFromLibrary(err, err.option, err.actual ?? '')
    if (u instanceof UsageError) return usage(u.message, program, argv)
  }
  process.stderr.write(`s3inv: ${formatError(inFlagTerms(err, running))}\n`)
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`)
  return 1
}

/** `s3inv` alone: what to type, in three lines (the full help is `s3inv --help`); a usage error. */
function shortUsage(program: Command): number {
  const names = program.commands.map((c) => c.name()).join(', ')
  process.stderr.write(`usage: s3inv <command> [options]\ncommands: ${names}\nsee \`s3inv --help\` (or \`s3inv <command> --help\`)\n`)
  return 2
}

/** One line, then where the whole story is. */
function usage(message: string, program: Command, argv: readonly string[]): number {
  const cmd = program.commands.find((c) => argv.slice(2).includes(c.name()))
  process.stderr.write(`s3inv: ${message}\nsee \`s3inv ${cmd ? `${cmd.name()} ` : ''}--help\`\n`)
  return 2
}

/** Commander's way of ending after it printed the help or the version to stdout. */
function printedToStdout(err: unknown): boolean {
  return err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || (err.code === 'commander.help' && err.exitCode === 0))
}

/** "error: unknown option '--x'\n(Did you mean --y?)" → "unknown option '--x' (Did you mean --y?)" */
const commanderMessage = (m: string) => m.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').trim()

/** The reader of our output went away: `s3inv … | head`. */
function closedPipe(err: unknown): boolean {
  if (err instanceof OutputClosed) return true
  const cause = (err as { cause?: { code?: string } } | null)?.cause
  return err instanceof S3InventoryError && err.code === 'WRITE_FAILED' && cause?.code === 'EPIPE'
}
