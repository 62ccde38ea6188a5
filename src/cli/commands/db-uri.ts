/** `s3inv db-uri`: the connection URI of a Secrets Manager database secret, every part percent-encoded. */
import type { Command } from 'commander'
import { readDatabaseUri } from '../../index.js'
import { secretsClientFromFlags } from '../aws-services.js'
import type { AwsFlags } from '../aws.js'
import { writer } from '../output.js'
import { FLAG_RANGES, integer } from '../usage.js'

interface DbUriFlags extends AwsFlags {
  scheme?: string
  database?: string
  host?: string
  port?: number
  versionStage?: string
}

export function register(program: Command): void {
  program
    .command('db-uri')
    .description('print the connection URI of a Secrets Manager database secret (user, password and database percent-encoded)')
    .argument('<secret-id>', 'secret name or ARN')
    .option('--scheme <scheme>', 'URI scheme (default: from the secret engine: postgres, mysql)')
    .option('--database <name>', 'database name (overrides the secret dbname)')
    .option('--host <host>', 'host (overrides the secret; needed for RDS-managed secrets)')
    .option('--port <port>', 'port, 1-65535 (overrides the secret; default: the engine default)', integer('--port', FLAG_RANGES.port))
    .option('--version-stage <stage>', 'secret version stage (default AWSCURRENT)')
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE or default chain)')
    .option('--region <region>', "AWS region (default: the secret ARN's, AWS_REGION / AWS_DEFAULT_REGION, the profile's, else us-east-1)")
    .option('--endpoint-url <url>', 'Secrets Manager endpoint (also AWS_ENDPOINT_URL_SECRETS_MANAGER)')
    .option('--debug', 'print stack traces on errors')
    .addHelpText(
      'after',
      `
Examples:
  psql "$(s3inv db-uri prod/app/db)"
  s3inv db-uri 'rds!db-0123abcd' --host db.example.internal --port 5432 --database app`,
    )
    .action(async (secretId: string, flags: DbUriFlags) => {
      const client = await secretsClientFromFlags(flags, secretId)
      try {
        const uri = await readDatabaseUri(secretId, { client, scheme: flags.scheme, database: flags.database, host: flags.host, port: flags.port, versionStage: flags.versionStage })
        await writer().write(`${uri}\n`)
      } finally {
        client.destroy()
      }
    })
}
