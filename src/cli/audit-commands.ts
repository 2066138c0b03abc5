/**
 * `homeward audit verify|export|checkpoint` (issue 5 item 6). The CLI builds what it needs from
 * settings (store, keys, registry, subject key) and reads as the operator: actor `gateway`, every
 * entry visible. Its reads are audited like the API's.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createAuditLog } from '../audit/audit-log.js';
import { verifyAgainstCheckpoint } from '../audit/checkpoint.js';
import { type AuditReadDeps, readCheckpoint, readExport, readVerification } from '../audit/reads.js';
import { loadSubjectKey } from '../audit/subject.js';
import type { AuditReader } from '../audit/types.js';
import { countEntries } from '../audit/verify.js';
import { KeysError, loadKeyRing } from '../auth/keys.js';
import { systemClock } from '../clock.js';
import { loadRegistry } from '../config/registry.js';
import { RegistryError } from '../config/registry-types.js';
import type { Settings } from '../config/settings.js';
import { uuidIds } from '../ids.js';
import { openStore } from '../store/index.js';
import type { CliIo } from './commands.js';
import { progress } from './progress.js';

/** The options commander parsed (src/cli/commands.ts). */
export interface AuditOptions {
  checkpoint?: string;
  format?: string;
  out?: string;
}

const OPERATOR: AuditReader = { partnerId: 'gateway', visibility: { kind: 'all' } };

export async function auditCommand(
  action: 'verify' | 'export' | 'checkpoint',
  opts: AuditOptions,
  settings: Settings,
  io: CliIo,
): Promise<number> {
  let ctx: AuditReadDeps;
  try {
    const registry = loadRegistry(settings.consentDir);
    const keys = await loadKeyRing(settings.keysDir, { generateIfMissing: !settings.production });
    const audit = createAuditLog({ clock: systemClock, subjectKey: loadSubjectKey(settings) });
    const store = await openStore(settings.databaseUrl);
    ctx = { store, audit, registry, keys, clock: systemClock, ids: uuidIds, publicUrl: settings.publicUrl };
  } catch (err) {
    if (err instanceof RegistryError || err instanceof KeysError) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
  try {
    if (action === 'verify') return await verify(ctx, opts.checkpoint, io);
    if (action === 'export') return await exportAudit(ctx, opts, io);
    const checkpoint = await readCheckpoint(ctx, OPERATOR, {});
    io.out(
      JSON.stringify({
        seq: checkpoint.seq,
        hash: checkpoint.hash,
        at: checkpoint.at,
        entries: checkpoint.entries,
      }),
    );
    io.out(checkpoint.jws);
    return 0;
  } finally {
    await ctx.store.close();
  }
}

async function verify(ctx: AuditReadDeps, checkpointFile: string | undefined, io: CliIo): Promise<number> {
  const shown = progress(io.progress, 'Verifying audit chain', await countEntries(ctx.store.db));
  let verified = 0;
  const result = await readVerification(
    ctx,
    OPERATOR,
    {},
    {
      onProgress: (n) => {
        shown.advance(n - verified);
        verified = n;
      },
    },
  );
  shown.done();
  if (!result.ok) {
    io.err(`Audit chain BROKEN: first broken entry is seq ${result.firstBrokenSeq}: ${result.problem}`);
    return 1;
  }
  io.out(
    `Audit chain OK: ${result.entries} entries; head seq ${result.head?.seq ?? 0} hash ${result.head?.hash ?? '-'}`,
  );
  if (checkpointFile === undefined) return 0;
  // The file may hold the whole output of `audit checkpoint` (a JSON line, then the JWS line).
  const jws = readFileSync(checkpointFile, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(l));
  const held = await verifyAgainstCheckpoint(ctx.store.db, jws ?? '', ctx.keys, result);
  if (!held.ok) {
    const where =
      held.firstBrokenSeq !== undefined ? `first broken entry is seq ${held.firstBrokenSeq}: ` : '';
    io.err(`Audit does NOT match checkpoint ${checkpointFile}: ${where}${held.problem}`);
    return 1;
  }
  io.out(`Checkpoint holds: entry ${held.checkpoint.seq} (${held.checkpoint.at}) is unchanged`);
  return 0;
}

async function exportAudit(ctx: AuditReadDeps, opts: AuditOptions, io: CliIo): Promise<number> {
  const format = opts.format ?? 'csv';
  if (format !== 'csv' && format !== 'fhir') {
    io.err('homeward: --format must be csv or fhir');
    return 2;
  }
  const file = opts.out;
  // An export shown on the terminal itself gets no progress line in the middle of it.
  const toScreen = file === undefined && io.stdoutIsTTY === true;
  const shown = progress(
    toScreen ? undefined : io.progress,
    'Exporting audit',
    await countEntries(ctx.store.db),
  );
  const out = await readExport(ctx, OPERATOR, { format }, () => shown.advance());
  if (file !== undefined) {
    // The export holds subject HMACs and partner activity: readable by its owner only.
    await pipeline(Readable.from(out.body), createWriteStream(file, { mode: 0o600 }));
    shown.done();
    io.err(`Wrote ${file}`);
    return 0;
  }
  if (io.write) {
    for await (const chunk of out.body) io.write(chunk);
    shown.done();
    return 0;
  }
  // An io without raw writes (tests) gets the whole document as one "line".
  let text = '';
  for await (const chunk of out.body) text += chunk;
  io.out(text);
  return 0;
}
