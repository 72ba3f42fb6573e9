import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { ChannelError } from '../shared/channel-error.js';
import { describeError } from './errors.js';
import { en } from './i18n/en.js';
import { es } from './i18n/es.js';

describe('describeError (issue 12 refusals)', () => {
  it('says which password rule failed and why the last admin stays, in the chosen language', async () => {
    const i18n = i18next.createInstance();
    await i18n.init({ lng: 'es', resources: { es: { translation: es }, en: { translation: en } } });
    const weak = new ChannelError('VALIDATION', 'WEAK_PASSWORD/too_common: The password is one of the most common.');
    expect(describeError(weak, i18n.t)).toBe(es.errors.weakPassword.too_common);
    const last = new ChannelError('CONFLICT', 'LAST_ADMIN: admin is the last active admin');
    expect(describeError(last, i18n.t)).toBe(es.errors.LAST_ADMIN);
    await i18n.changeLanguage('en');
    expect(describeError(weak, i18n.t)).toBe(en.errors.weakPassword.too_common);
  });
});
