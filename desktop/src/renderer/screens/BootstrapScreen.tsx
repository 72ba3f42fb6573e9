import { useTranslation } from 'react-i18next';
import type { AppState } from '../../shared/channels.js';

export function BootstrapScreen({ state }: { state: AppState }) {
  const { t } = useTranslation();
  const progress = state.bootstrap;
  const total = progress?.total ?? 0;
  const done = Math.min(progress?.done ?? 0, total);
  return (
    <main className="centered-page">
      <section className="card narrow" aria-labelledby="bootstrap-title">
        <h1 id="bootstrap-title">{t('bootstrap.title')}</h1>
        <p className="muted">{t('bootstrap.intro')}</p>
        <progress
          className="bootstrap-progress"
          max={Math.max(total, 1)}
          value={done}
          aria-label={t('bootstrap.title')}
        />
        <p className="progress-label" data-testid="bootstrap-count">
          {total > 0 ? t('bootstrap.progress', { done, total }) : t('bootstrap.starting')}
        </p>
        {state.lastError ? (
          <p className="alert warning" role="status">
            {t('bootstrap.failed')}
          </p>
        ) : null}
      </section>
    </main>
  );
}
