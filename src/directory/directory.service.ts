import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PeriodicPasses } from '../common/periodic-passes';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { KeyStore } from '../crypto/key-store';
import { isExtensionType, isTechnicalType, MessageType } from '../messages/message-types';
import {
  decideDirectoryChange,
  DirectoryCandidate,
  DirectoryDecision,
  DirectoryRefusalCode,
} from './directory-change.policy';
import {
  DirectoryFileDto,
  encryptionKeysOf,
  ParticipantDto,
  PublicKeyDto,
  signingKeysOf,
} from './directory-file.dto';
import { DirectoryVersionsRepository } from './directory-versions.repository';
import { checkDirectorySignature, directoryDigest } from './signed-directory';

export class DirectoryError extends Error {}

/** Reads and checks a directory file (PROTOCOL.md, "The directory file"; docs/directory.md). */
export function parseDirectoryFile(json: string, source = 'directory file'): DirectoryFileDto {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new DirectoryError(`${source} is not valid JSON`);
  }
  return checkDirectoryFile(raw, source);
}

/** Checks a parsed directory file's format (not its signature: see signed-directory.ts). */
export function checkDirectoryFile(raw: unknown, source = 'directory file'): DirectoryFileDto {
  const file = plainToInstance(DirectoryFileDto, raw);
  const errors = validateSync(file, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new DirectoryError(`${source} is invalid: ${flatten(errors).join('; ')}`);
  }
  const codes = file.participants.map((p) => p.code);
  const duplicate = codes.find((code, i) => codes.indexOf(code) !== i);
  if (duplicate) throw new DirectoryError(`${source} lists ${duplicate} twice`);
  for (const p of file.participants) {
    // A key id names one key: a receiver picks the key by it.
    for (const keys of [signingKeysOf(p), encryptionKeysOf(p)]) {
      const ids = keys.map((k) => k.keyId);
      if (new Set(ids).size !== ids.length)
        throw new DirectoryError(`${source} gives ${p.code} one key id twice`);
    }
  }
  return file;
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.keys(e.constraints ?? {}).map((c) => `${path}: ${c}`);
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/**
 * A node whose private keys are not the ones its directory entry publishes would sign what every peer
 * rejects and fail to open what every peer sends: refuse such a directory (and to start with one). The
 * current keys must be held; a next or retiring key, when held, must be the one published.
 */
export function checkOwnKeys(self: ParticipantDto, keys: KeyStore): void {
  const check = (kind: 'signing' | 'encryption', key: PublicKeyDto, required: boolean): string | null => {
    const held = keys.publicKeyOf(kind, key.keyId);
    if (held === key.publicKey || (held === undefined && !required)) return null;
    const file = held === undefined ? 'no key file' : `key file ${key.keyId}`;
    return `${kind} key (directory ${key.keyId}, ${file})`;
  };
  const mismatches = [
    check('signing', self.signingKey, true),
    check('encryption', self.encryptionKey, true),
    ...signingKeysOf(self)
      .slice(1)
      .map((key) => check('signing', key, false)),
    ...encryptionKeysOf(self)
      .slice(1)
      .map((key) => check('encryption', key, false)),
  ].filter((m) => m !== null);
  if (mismatches.length > 0) {
    throw new DirectoryError(
      `this node's private keys do not match its directory entry: ${mismatches.join('; ')}`,
    );
  }
}

/** What one reading of the directory file came to (POST /directory/reload answers it). */
export interface DirectoryReload {
  outcome: 'ACCEPTED' | 'UNCHANGED' | 'REFUSED';
  /** The version the node runs with afterwards. */
  version: number;
  /** ACCEPTED: the version it ran with before (null: none, its first directory). */
  from?: number | null;
  code?: DirectoryRefusalCode;
  reason?: string;
}

/** What reading a file's text tells: the policy's facts, and the file itself when it is well-formed. */
interface ReadFile {
  candidate: DirectoryCandidate;
  raw?: Record<string, unknown>;
  file?: DirectoryFileDto;
}

/**
 * Every node holds the same directory: the file a trust anchor signed (docs/directory.md). It is read at
 * boot, again every TRM_DIRECTORY_POLL_SECONDS, on SIGHUP and on POST /directory/reload; a new version is
 * taken without a restart, an older, tampered or foreign one refused while the node keeps the one it has,
 * each change audited. Accepted versions are stored, so a restart never goes back either; the current one
 * is served from memory on the hot path.
 */
@Injectable()
export class DirectoryService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DirectoryService.name);
  private participants = new Map<string, ParticipantDto>();
  private file!: DirectoryFileDto;
  /** SHA-256 of the file text last read, so a poll acts (and audits) once per change of the file. */
  private lastText: string | null = null;
  private readonly notRead = (error: Error): void =>
    this.logger.error(`directory file not read: ${error.message}`);
  /** Readings run one after the other: a poll, a signal and a request may come together. */
  private readonly readings = new PeriodicPasses(this.notRead);
  private readonly onSignal = (): void => void this.reload('signal').catch(this.notRead);
  private readonly acceptedListeners: Array<(version: number) => void> = [];

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly keys: KeyStore,
    private readonly versions: DirectoryVersionsRepository,
    private readonly audit: AuditService,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.directoryAnchors.length === 0)
      this.logger.warn(
        'NO TRUST ANCHOR CONFIGURED (TRM_DIRECTORY_ANCHOR): directory files are taken without a signature check. ' +
          'Only for a single site or a test; see docs/directory.md',
      );
    const boot = await this.reload('boot');
    if (boot.outcome === 'REFUSED') await this.keepStored(boot);
    this.readings.start(this.config.directoryPollMs, () => this.readAndDecide('poll', false));
    process.on('SIGHUP', this.onSignal);
  }

  onModuleDestroy(): Promise<void> {
    process.off('SIGHUP', this.onSignal);
    return this.readings.stop();
  }

  /**
   * Reads the directory file and takes it if the policy allows. `force` false (a poll) does nothing when the
   * file's text has not changed since the last reading.
   */
  reload(trigger: 'boot' | 'poll' | 'signal' | 'request', force = true): Promise<DirectoryReload> {
    return this.readings.run(() => this.readAndDecide(trigger, force));
  }

  private async readAndDecide(trigger: string, force: boolean): Promise<DirectoryReload> {
    let text: string;
    try {
      text = readFileSync(this.config.directoryFile, 'utf8');
    } catch {
      text = '';
    }
    const textDigest = createHash('sha256').update(text).digest('hex');
    if (!force && textDigest === this.lastText) return { outcome: 'UNCHANGED', version: this.file.version };
    try {
      // A key made for a rollover since the last reading is held now, so the new entry can name it.
      this.keys.reload();
    } catch (error) {
      // The keys held so far stay; an entry naming the new key is then refused as a key mismatch.
      this.logger.error(`key files not read again: ${(error as Error).message}`);
    }
    const read = this.read(text);
    const decision = await this.dataSource.transaction(async (manager) => {
      await this.versions.lock(manager);
      const current = await this.versions.current(manager);
      const decided = decideDirectoryChange(read.candidate, this.config.directoryAnchors.length > 0, current);
      await this.record(manager, decided, read, current?.version ?? null, trigger);
      return decided;
    });
    // Only once decided and recorded: a reading that failed (the database away) is tried again at the next poll.
    this.lastText = textDigest;
    if (decision.decision === 'REFUSE') {
      this.logger.error(
        `directory file refused (${decision.code}): ${decision.reason}; ` +
          (this.file ? `keeping version ${this.file.version}` : 'no directory accepted before'),
      );
      return {
        outcome: 'REFUSED',
        version: this.file?.version ?? 0,
        code: decision.code,
        reason: decision.reason,
      };
    }
    const before = this.file?.version ?? null;
    this.adopt(read.file!);
    if (decision.decision === 'UNCHANGED') return { outcome: 'UNCHANGED', version: decision.version };
    this.logger.log(
      `directory version ${decision.to} accepted (${decision.signed ? 'signed by the anchor' : 'UNSIGNED'}), ` +
        `was ${before ?? 'none'}: ${[...this.participants.keys()].join(', ')}`,
    );
    for (const listener of this.acceptedListeners) listener(decision.to);
    return { outcome: 'ACCEPTED', version: decision.to, from: decision.from };
  }

  /** The facts the policy decides on; nothing of the file's content in a reason. */
  private read(text: string): ReadFile {
    const invalid = (why: string): ReadFile => ({
      candidate: {
        invalid: why,
        signature: { status: 'UNSIGNED' },
        version: 0,
        digest: '',
        selfProblem: null,
      },
    });
    if (text === '') return invalid(`${this.config.directoryFile} cannot be read or is empty`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return invalid(`${this.config.directoryFile} is not valid JSON`);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      return invalid(`${this.config.directoryFile} is not a JSON object`);
    const signature = checkDirectorySignature(raw as Record<string, unknown>, this.config.directoryAnchors);
    let file: DirectoryFileDto;
    try {
      file = checkDirectoryFile(raw, this.config.directoryFile);
    } catch (error) {
      return invalid((error as Error).message);
    }
    return {
      raw: raw as Record<string, unknown>,
      file,
      candidate: {
        invalid: null,
        signature,
        version: file.version,
        digest: directoryDigest(raw as Record<string, unknown>),
        selfProblem: this.selfProblem(file),
      },
    };
  }

  private selfProblem(file: DirectoryFileDto): DirectoryCandidate['selfProblem'] {
    const self = file.participants.find((p) => p.code === this.config.country);
    if (!self)
      return {
        code: 'DIRECTORY_WITHOUT_SELF',
        reason: `the directory does not list this node's country ${this.config.country}`,
      };
    try {
      checkOwnKeys(self, this.keys);
      return null;
    } catch (error) {
      return { code: 'DIRECTORY_KEYS_MISMATCH', reason: (error as Error).message };
    }
  }

  /** Stores and audits the decision in one transaction: an accepted version and its audit entry go together. */
  private async record(
    manager: EntityManager,
    decided: DirectoryDecision,
    read: ReadFile,
    current: number | null,
    trigger: string,
  ): Promise<void> {
    const actor = `node:${this.config.country}`;
    if (decided.decision === 'UNCHANGED') return;
    if (decided.decision === 'REFUSE') {
      await this.audit.record(manager, {
        action: 'DIRECTORY_REFUSED',
        actor,
        decision: 'DENY',
        reasonCode: decided.code,
        details: { version: read.file?.version ?? null, current, trigger },
      });
      return;
    }
    const signature = read.candidate.signature;
    const anchor = signature.status === 'SIGNED' ? signature.anchor : null;
    await this.versions.accept(manager, {
      version: decided.to,
      digest: read.candidate.digest,
      issuedAt: read.file!.issuedAt ?? null,
      anchor,
      document: read.raw!,
    });
    await this.versions.replaceParticipants(manager, read.file!.participants);
    await this.audit.record(manager, {
      action: 'DIRECTORY_ACCEPTED',
      actor,
      decision: 'ALLOW',
      details: {
        from: decided.from,
        to: decided.to,
        issuedAt: read.file!.issuedAt ?? null,
        signed: decided.signed,
        anchor,
        trigger,
      },
    });
  }

  /**
   * The file was refused at boot: run with the version accepted before, which the database keeps. Without
   * one (a first boot) or when this node's keys do not match it either, the node cannot start.
   */
  private async keepStored(refused: DirectoryReload): Promise<void> {
    const stored = await this.versions.current(this.dataSource.manager);
    if (!stored) throw new DirectoryError(`${refused.reason} (${refused.code})`);
    const file = checkDirectoryFile(stored.document, 'the stored directory');
    const problem = this.selfProblem(file);
    if (problem) throw new DirectoryError(problem.reason);
    this.adopt(file);
    this.logger.error(
      `running with directory version ${file.version}, accepted before: the file ${this.config.directoryFile} was refused`,
    );
  }

  private adopt(file: DirectoryFileDto): void {
    // Signs with the key the entry makes current, opens what is sealed for any key it lists (rollover).
    const self = file.participants.find((p) => p.code === this.config.country)!;
    this.keys.use({
      signingKeyId: self.signingKey.keyId,
      encryptionKeyIds: encryptionKeysOf(self).map((key) => key.keyId),
    });
    this.file = file;
    this.participants = new Map(file.participants.map((p) => [p.code, p]));
  }

  /** Called with each version this service accepts (the urgent lane's thread reads the file again then). */
  onAccepted(listener: (version: number) => void): void {
    this.acceptedListeners.push(listener);
  }

  get version(): number {
    return this.file.version;
  }

  get self(): ParticipantDto {
    return this.participants.get(this.config.country)!;
  }

  find(code: string): ParticipantDto | undefined {
    return this.participants.get(code);
  }

  all(): ParticipantDto[] {
    return [...this.participants.values()];
  }

  accepts(code: string, type: MessageType): boolean {
    const participant = this.participants.get(code);
    return participant !== undefined && participantAccepts(participant.accepts ?? null, type);
  }

  /** Whether the participant's entry announces an envelope extension in `extensions` (e.g. USE_RESTRICTIONS). */
  announces(code: string, extension: string): boolean {
    return this.participants.get(code)?.extensions?.includes(extension) ?? false;
  }

  /** The directory this node runs with, as its file (with the anchor's signature, which a reader can check). */
  toFile(): DirectoryFileDto {
    return this.file;
  }
}

/**
 * Whether a participant with this `accepts` takes `type`. Technical types always (PROTOCOL.md); a v1 type
 * when `accepts` lists it or is left out; an extension only when `accepts` lists it, so an implementation that
 * knows only PROTOCOL.md is never sent one (docs/protocol.md, "Extensions").
 */
export function participantAccepts(accepts: readonly string[] | null, type: MessageType): boolean {
  if (isTechnicalType(type)) return true;
  if (accepts === null) return !isExtensionType(type);
  return accepts.includes(type);
}
