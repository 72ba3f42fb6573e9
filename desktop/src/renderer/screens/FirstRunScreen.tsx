import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { Field } from '../components/Field.js';
import { LanguageSwitch } from '../components/LanguageSwitch.js';
import { describeError } from '../errors.js';

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function FirstRunScreen({ state, onState }: { state: AppState; onState: (state: AppState) => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState({
    serverUrl: state.serverUrl ?? state.suggestedServerUrl ?? '',
    stationName: '',
    username: 'admin',
    password: '',
    ceiling: 'admin' as 'admin' | 'manager' | 'cashier',
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (name: Exclude<keyof typeof form, 'ceiling'>) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [name]: event.target.value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!isHttpUrl(form.serverUrl.trim())) return setError(t('errors.BAD_URL'));
    setBusy(true);
    setError(null);
    try {
      onState(
        await api.invoke('station:enroll', {
          ...form,
          serverUrl: form.serverUrl.trim(),
          stationName: form.stationName.trim(),
        }),
      );
    } catch (failure) {
      setError(describeError(failure, t));
    } finally {
      setBusy(false);
    }
  }

  const shownError = error ?? (state.lastError ? describeError(state.lastError, t) : null);
  return (
    <main className="centered-page">
      <form className="card narrow" onSubmit={submit} aria-labelledby="first-run-title">
        <header className="card-header">
          <h1 id="first-run-title">{t('firstRun.title')}</h1>
          <LanguageSwitch />
        </header>
        <p className="muted">{t('firstRun.intro')}</p>
        <Field
          label={t('firstRun.serverUrl')}
          hint={t('firstRun.serverUrlHint')}
          name="serverUrl"
          value={form.serverUrl}
          onChange={set('serverUrl')}
          required
          autoComplete="url"
          inputMode="url"
        />
        <Field
          label={t('firstRun.stationName')}
          hint={t('firstRun.stationNameHint')}
          name="stationName"
          value={form.stationName}
          onChange={set('stationName')}
          required
          maxLength={100}
          autoFocus
        />
        <Field
          label={t('firstRun.username')}
          name="username"
          value={form.username}
          onChange={set('username')}
          required
          autoComplete="username"
        />
        <Field
          label={t('firstRun.password')}
          name="password"
          type="password"
          value={form.password}
          onChange={set('password')}
          required
          autoComplete="current-password"
        />
        <div className="field">
          <label htmlFor="field-ceiling">{t('firstRun.ceiling')}</label>
          <select
            id="field-ceiling"
            name="ceiling"
            value={form.ceiling}
            aria-describedby="field-ceiling-hint"
            onChange={(event) =>
              setForm((current) => ({ ...current, ceiling: event.target.value as typeof form.ceiling }))
            }
          >
            <option value="admin">{t('firstRun.ceilingAdmin')}</option>
            <option value="manager">{t('firstRun.ceilingManager')}</option>
            <option value="cashier">{t('firstRun.ceilingCashier')}</option>
          </select>
          <small id="field-ceiling-hint" className="hint">
            {t('firstRun.ceilingHint')}
          </small>
        </div>
        <ErrorAlert message={shownError} />
        <button type="submit" className="primary wide" disabled={busy}>
          {busy ? t('firstRun.submitting') : t('firstRun.submit')}
        </button>
      </form>
    </main>
  );
}
