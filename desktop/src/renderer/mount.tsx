import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { answeredWithin } from './first-calls.js';
import { setupI18n } from './i18n/index.js';

/**
 * How long the first render waits for the first calls' answers. The bridge answers them itself
 * in tens of milliseconds, and the login screen is then painted at once rather than a frame
 * after a splash; a station still loading answers later, and the splash shows meanwhile.
 */
const FIRST_ANSWERS_WAIT_MS = 250;

await setupI18n();
const first = await answeredWithin(FIRST_ANSWERS_WAIT_MS);
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App first={first} />
    </StrictMode>,
  );
}
