import { Inject, Injectable } from '@nestjs/common';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { pseudonymise, pseudonymKey } from './pseudonyms';

/** Auditors read payloads through this unless an admin granted them the case (docs/access.md). */
@Injectable()
export class Pseudonymiser {
  private readonly key: Buffer;

  constructor(@Inject(NODE_CONFIG) config: NodeConfig) {
    this.key = pseudonymKey(config.auth.secret);
  }

  /** `path` names where the value sits in the case file: pseudonyms are keyed by case and path. */
  payload<T>(caseRef: string, path: string, payload: T): T {
    return pseudonymise(this.key, payload, { caseRef, path }) as T;
  }
}
