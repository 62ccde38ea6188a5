/**
 * The AWS shared config and credentials files, read as the AWS CLI reads them, for two questions the
 * SDK answers badly from the command line: does the named profile exist (the SDK falls through to
 * "Could not load credentials from any providers"), and which region does it set (the SDK fails with
 * "Region is missing" where the AWS CLI uses us-east-1).
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import path from 'node:path'

type Env = Record<string, string | undefined>

export interface SharedFiles {
  configPath: string
  credentialsPath: string
  /** Profile name → its settings, from the config file (`[profile x]`, `[default]`). */
  config: Map<string, Record<string, string>>
  /** Profile name → its settings, from the credentials file (`[x]`). */
  credentials: Map<string, Record<string, string>>
}

const home = (env: Env) => env.HOME || env.USERPROFILE || homedir()

export function sharedFiles(env: Env = process.env): SharedFiles {
  const configPath = env.AWS_CONFIG_FILE || path.join(home(env), '.aws', 'config')
  const credentialsPath = env.AWS_SHARED_CREDENTIALS_FILE || path.join(home(env), '.aws', 'credentials')
  return { configPath, credentialsPath, config: sections(read(configPath), true), credentials: sections(read(credentialsPath), false) }
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return '' // absent or unreadable: no profiles from it
  }
}

/** INI sections; in the config file only `[default]` and `[profile name]` are profiles (not `[sso-session …]`). */
function sections(text: string, config: boolean): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>()
  let current: Record<string, string> | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '')
    if (line === '' || line[0] === '#' || line[0] === ';') continue
    const header = /^\[\s*([^\]]*?)\s*\]/.exec(line)
    if (header) {
      const name = header[1]
      const profile = !config ? name : name === 'default' ? 'default' : /^profile\s+(.+)$/.exec(name)?.[1]
      current = profile === undefined ? undefined : (out.get(profile) ?? {})
      if (profile !== undefined && current) out.set(profile, current)
      continue
    }
    // Nested settings (`s3 =` followed by indented lines) start with whitespace: not a profile key.
    if (!current || /^\s/.test(raw)) continue
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line)
    if (kv) current[kv[1].trim().toLowerCase()] = kv[2].trim()
  }
  return out
}

/** The profile the SDK will use: --profile, else AWS_PROFILE, else `default`. */
export const profileName = (flag: string | undefined, env: Env = process.env): string => flag || env.AWS_PROFILE || 'default'

export function hasProfile(files: SharedFiles, name: string): boolean {
  return files.config.has(name) || files.credentials.has(name)
}

/** The `region` a profile sets in the config file (or, as some setups do, in the credentials file). */
export function profileRegion(files: SharedFiles, name: string): string | undefined {
  return files.config.get(name)?.region || files.credentials.get(name)?.region || undefined
}
