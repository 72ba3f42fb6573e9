/**
 * The renderer's entry. It sends the login screen's first calls before anything else, then
 * imports the app (mount.tsx: the view library, i18n, the screens): the answers travel while
 * the app's code is parsed and started (issue 11). The browser fetches that code alongside
 * this file (vite.config.ts preloads it), so importing it here adds no round trip.
 */
import { sendFirstCalls } from './first-calls.js';
import './styles.css';

sendFirstCalls();
await import('./mount.js');
