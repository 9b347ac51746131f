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

  payload<T>(payload: T): T {
    return pseudonymise(this.key, payload) as T;
  }
}
