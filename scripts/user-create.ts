import 'reflect-metadata';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service';
import { AccessError } from '../src/auth/access.errors';
import { AccountsRepository } from '../src/auth/accounts.repository';
import { AccountsService } from '../src/auth/accounts.service';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { ROLES, type Role } from '../src/auth/roles';

const USAGE = `usage: npm run user:create -- --role <role> [options] <name>

Creates an account in this node's database (DATABASE_URL), which the node must have migrated already (it
does at its first start). The bootstrap of a fresh node: create its first admin here; admins create the
other accounts over the API (POST /admin/accounts) or here. Audited as cli:<your user name>.

  --role <role>        ${ROLES.join(', ')}
  --agency <code>      role agency: the agency's code, e.g. ngo-lyon
  --password-stdin     read the password from standard input (at least 12 characters); otherwise one is
                       generated and printed once
  --no-password        role agency: a system that only authenticates with API keys
  --api-key            role agency: also issue an API key, printed once (only its hash is stored)

Exit code 0: created; 1: refused (the reason is printed); 2: usage or database problem.`;

class UsageError extends Error {}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // A trailing newline comes from `echo` or a terminal, not from the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      role: { type: 'string' },
      agency: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      'no-password': { type: 'boolean', default: false },
      'api-key': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one account name');
  if (!ROLES.includes(values.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  if (values['api-key'] && values.role !== 'agency') throw new UsageError('--api-key is for role agency');
  if (values['password-stdin'] && values['no-password'])
    throw new UsageError('--password-stdin and --no-password exclude each other');
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new UsageError('DATABASE_URL is required');

  const password = values['password-stdin'] ? await readStdin() : undefined;
  const dataSource = await new DataSource({ type: 'postgres', url: databaseUrl }).initialize();
  try {
    const [migrated] = await dataSource.query(`SELECT to_regclass('accounts') IS NOT NULL AS ok`);
    if (!migrated.ok) throw new UsageError('this database has no accounts table: start the node once first');
    const actor = `cli:${userInfo().username}`;
    const [accounts, audit] = [new AccountsRepository(), new AuditService()];
    const result = await dataSource.transaction(async (manager) => {
      const created = await AccountsService.create(
        manager,
        accounts,
        audit,
        {
          name: positionals[0],
          role: values.role as Role,
          agency: values.agency,
          password,
          noPassword: values['no-password'],
        },
        actor,
      );
      const apiKey = values['api-key']
        ? await ApiKeysService.issueApiKey(manager, accounts, audit, positionals[0], actor)
        : undefined;
      return { ...created, apiKey };
    });
    const { name, role, agency } = result.account;
    process.stdout.write(`created ${role} account ${name}${agency ? ` (agency ${agency})` : ''}\n`);
    if (result.password) process.stdout.write(`GENERATED PASSWORD (shown once): ${result.password}\n`);
    if (result.apiKey)
      process.stdout.write(`API KEY ${result.apiKey.keyId} (shown once): ${result.apiKey.key}\n`);
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof AccessError) {
      process.stderr.write(`refused: ${error.message}\n`);
      process.exit(1);
    }
    const usage = error instanceof UsageError;
    process.stderr.write(`${usage ? `${error.message}\n\n${USAGE}` : `failed: ${String(error)}`}\n`);
    process.exit(2);
  },
);
