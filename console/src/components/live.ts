import { Store } from '../api/store';

/** The text of the polite live region: async results are announced to screen readers. */
export const liveMessage = new Store<string>('');

export function announce(message: string): void {
  liveMessage.set('');
  // A fresh value on the next tick makes the same message be read again.
  setTimeout(() => liveMessage.set(message), 50);
}
