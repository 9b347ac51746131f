import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { readFileSync } from 'node:fs';
import { DataSource, Not, In } from 'typeorm';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { KeyStore } from '../crypto/key-store';
import { isExtensionType, isTechnicalType, MessageType } from '../messages/message-types';
import { DirectoryFileDto, ParticipantDto } from './directory-file.dto';
import { ParticipantEntity } from './participant.entity';

export class DirectoryError extends Error {}

/** Reads and checks a directory file (PROTOCOL.md, "The directory file"). */
export function parseDirectoryFile(json: string, source = 'directory file'): DirectoryFileDto {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new DirectoryError(`${source} is not valid JSON`);
  }
  const file = plainToInstance(DirectoryFileDto, raw);
  const errors = validateSync(file, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new DirectoryError(`${source} is invalid: ${flatten(errors).join('; ')}`);
  }
  const codes = file.participants.map((p) => p.code);
  const duplicate = codes.find((code, i) => codes.indexOf(code) !== i);
  if (duplicate) throw new DirectoryError(`${source} lists ${duplicate} twice`);
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
 * rejects and fail to open what every peer sends: refuse to start instead.
 */
export function checkOwnKeys(self: ParticipantDto, keys: KeyStore): void {
  const mismatches = [
    self.signingKey.keyId !== keys.signingKeyId || self.signingKey.publicKey !== keys.signingPublicKey
      ? `signing key (directory ${self.signingKey.keyId}, key file ${keys.signingKeyId})`
      : null,
    self.encryptionKey.keyId !== keys.encryptionKeyId ||
    self.encryptionKey.publicKey !== keys.encryptionPublicKey
      ? `encryption key (directory ${self.encryptionKey.keyId}, key file ${keys.encryptionKeyId})`
      : null,
  ].filter((m) => m !== null);
  if (mismatches.length > 0) {
    throw new DirectoryError(
      `this node's private keys do not match its directory entry: ${mismatches.join('; ')}`,
    );
  }
}

/**
 * Every node holds the same directory. It is loaded from the configured file at boot, persisted (so the
 * node's own records can name the keys they were checked with) and served from memory on the hot path.
 */
@Injectable()
export class DirectoryService implements OnModuleInit {
  private readonly logger = new Logger(DirectoryService.name);
  private participants = new Map<string, ParticipantDto>();

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly keys: KeyStore,
  ) {}

  async onModuleInit(): Promise<void> {
    const file = parseDirectoryFile(
      readFileSync(this.config.directoryFile, 'utf8'),
      this.config.directoryFile,
    );
    const self = file.participants.find((p) => p.code === this.config.country);
    if (!self)
      throw new DirectoryError(`the directory does not list this node's country ${this.config.country}`);
    checkOwnKeys(self, this.keys);
    await this.persist(file.participants);
    this.participants = new Map(file.participants.map((p) => [p.code, p]));
    this.logger.log(`directory loaded: ${[...this.participants.keys()].join(', ')}`);
  }

  private async persist(participants: ParticipantDto[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const codes = participants.map((p) => p.code);
      await manager.delete(ParticipantEntity, { code: Not(In(codes)) });
      await manager.upsert(
        ParticipantEntity,
        participants.map((p) => ({
          code: p.code,
          name: p.name,
          languages: p.languages,
          accepts: p.accepts ?? null,
          signingKeyId: p.signingKey.keyId,
          signingPublicKey: p.signingKey.publicKey,
          encryptionKeyId: p.encryptionKey.keyId,
          encryptionPublicKey: p.encryptionKey.publicKey,
          contacts: p.contacts,
          loadedAt: new Date(),
        })),
        ['code'],
      );
    });
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

  toFile(): DirectoryFileDto {
    return { version: 1, participants: this.all() };
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
