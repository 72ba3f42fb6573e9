/**
 * The app window: the renderer sandboxed, isolated from Node, allowed to reach nothing but
 * the channel map through the preload. Navigation away from the app and new windows are refused.
 */
import { BrowserWindow, shell } from 'electron';

export interface WindowPaths {
  preload: string;
  rendererIndex: string;
}

export function createAppWindow(paths: WindowPaths): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Mostrador',
    show: false,
    backgroundColor: '#f4f5f7',
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  void window.loadFile(paths.rendererIndex);
  return window;
}
