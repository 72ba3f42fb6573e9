import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { sendFirstCalls } from './first-calls.js';
import { setupI18n } from './i18n/index.js';
import './styles.css';

sendFirstCalls();
await setupI18n();
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
