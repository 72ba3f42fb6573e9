import type { SessionUser } from '@mostrador/common';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { Field } from '../components/Field.js';
import { LanguageSwitch } from '../components/LanguageSwitch.js';
import { describeError } from '../errors.js';

export function LoginScreen({ state, onLogin }: { state: AppState; onLogin: (user: SessionUser) => void }) {
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { user } = await api.invoke('session:login', { username: username.trim(), password });
      onLogin(user);
    } catch (failure) {
      setError(describeError(failure, t));
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="centered-page">
      <form className="card narrow" onSubmit={submit} aria-labelledby="login-title">
        <header className="card-header">
          <h1 id="login-title">{t('login.title')}</h1>
          <LanguageSwitch />
        </header>
        {state.station ? <p className="muted">{t('login.station', { name: state.station.name })}</p> : null}
        <Field
          label={t('login.username')}
          name="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
          autoFocus
          autoComplete="username"
        />
        <Field
          label={t('login.password')}
          name="password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
          autoComplete="current-password"
        />
        <ErrorAlert message={error} />
        <button type="submit" className="primary wide" disabled={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
        <p className="hint">{t('login.offlineNote')}</p>
      </form>
    </main>
  );
}
