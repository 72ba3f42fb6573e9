// Runs sandboxed, before the page: hands the renderer the channel map and nothing else
// (never ipcRenderer itself).
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './expose.js';

contextBridge.exposeInMainWorld('mostrador', createPreloadApi(ipcRenderer));
