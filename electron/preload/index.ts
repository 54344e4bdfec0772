// Exposes window.backupHealth, typed by shared/api.ts, and nothing else. The API lands with the dashboard.
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('backupHealth', Object.freeze({ version: 1 }));
