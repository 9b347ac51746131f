import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { api, openSharableCase, sendMessage, waitDelivered } from './support/node-api';

/**
 * Issue 15, the language of the free text on the real services (docs/protocol.md, "Language of the free
 * text"): the envelope carries it to a participant that announces the extension, the sender's first
 * language by default or the coordinator's pick, and the receiver keeps it on the message; a participant
 * that does not announce it gets the envelope as before.
 */
describe('the language of the free text (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({
    codes: ['FR', 'MK'],
    logLevel: 'error',
    participants: {
      FR: { languages: ['fr', 'en'] },
      MK: { languages: ['mk', 'en'], extensions: ['LANGUAGE'] },
    },
  });
  let fr: RunningNode;
  let mk: RunningNode;

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');
  });

  afterAll(() => federation.tearDown());

  const update = { type: 'CASE_UPDATE', payload: { sop: 3, summary: 'Scolarisée depuis lundi.' } };

  async function deliveredLanguage(from: RunningNode, to: RunningNode, extra: Record<string, unknown>) {
    const caseRef = await openSharableCase(from);
    const sent = await sendMessage(from, caseRef, { ...update, to: to.code, ...extra });
    expect(sent.status).toBe(202);
    await waitDelivered(from, sent.body.id);
    const received = await api(to, 'GET', `/messages/${sent.body.id}`);
    return { sent: sent.body.language, received: received.body.language };
  }

  it('tells a receiver that announces the extension the language of the free text: the sender’s by default', async () => {
    expect(await deliveredLanguage(fr, mk, {})).toEqual({ sent: 'fr', received: 'fr' });
  });

  it('carries the language the coordinator picked', async () => {
    expect(await deliveredLanguage(fr, mk, { language: 'en' })).toEqual({ sent: 'en', received: 'en' });
  });

  it('sends the envelope as before to a participant that does not announce it, which takes it', async () => {
    expect(await deliveredLanguage(mk, fr, { language: 'en' })).toEqual({ sent: null, received: null });
  });

  it('refuses a language that is not an ISO 639-1 code, with problem details', async () => {
    const caseRef = await openSharableCase(fr);
    const sent = await sendMessage(fr, caseRef, { ...update, to: 'MK', language: 'french' });
    expect(sent.status).toBe(400);
    expect(JSON.stringify(sent.body)).toContain('language');
  });

  it('publishes each participant’s languages and extensions in the directory', async () => {
    const directory = await api(fr, 'GET', '/directory');
    const mkEntry = directory.body.participants.find((p: { code: string }) => p.code === 'MK');
    expect(mkEntry).toMatchObject({ languages: ['mk', 'en'], extensions: ['LANGUAGE'] });
  });
});
