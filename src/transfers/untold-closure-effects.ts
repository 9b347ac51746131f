import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** A case closed here while one of its countries could not be told (no CASE_CLOSED went to it). */
export interface UntoldClosure {
  caseRef: string;
  country: string;
  at: Date;
}

export type UntoldClosureEffect = (manager: EntityManager, closure: UntoldClosure) => Promise<void>;

/**
 * What closing a case without telling a country changes besides the case, registered by the module that
 * owns the change (as OutboundEffects does for a CASE_CLOSED that is sent). Effects run in the closing
 * transaction.
 */
@Injectable()
export class UntoldClosureEffects {
  private readonly effects: UntoldClosureEffect[] = [];

  register(effect: UntoldClosureEffect): void {
    this.effects.push(effect);
  }

  async apply(manager: EntityManager, closure: UntoldClosure): Promise<void> {
    for (const effect of this.effects) await effect(manager, closure);
  }
}

/**
 * A consent withdrawn here while one of the countries that received data of the case could not be sent the
 * CONSENT_WITHDRAWN (the withdrawal's `notNotified`). Effects run in the withdrawal's transaction.
 */
export interface UntoldWithdrawal extends UntoldClosure {
  /** Who withdrew the consent. */
  actor: string;
}

@Injectable()
export class UntoldWithdrawalEffects {
  private readonly effects: Array<(manager: EntityManager, withdrawal: UntoldWithdrawal) => Promise<void>> =
    [];

  register(effect: (manager: EntityManager, withdrawal: UntoldWithdrawal) => Promise<void>): void {
    this.effects.push(effect);
  }

  async apply(manager: EntityManager, withdrawal: UntoldWithdrawal): Promise<void> {
    for (const effect of this.effects) await effect(manager, withdrawal);
  }
}
