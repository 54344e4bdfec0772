// A small stand-in for the parts of 'electron' the main process uses, for vi.mock('electron', ...). It records
// what the code under test does (images set, menus built, notifications shown, handlers registered) and lets
// a test play the user or the OS (click, close, an IPC call from some frame).
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

type Handler = (...args: any[]) => any;

class FakeEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export class FakeWebContents extends EventEmitter {
  private static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  readonly executed: string[] = [];
  windowOpenHandler: Handler | null = null;
  mainFrame = { url: '', parent: null as unknown };
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(handler: Handler): void {
    this.windowOpenHandler = handler;
  }
  /** What printToPDF was asked, and the bytes it answers (a test may change them). */
  readonly printed: Record<string, unknown>[] = [];
  pdf = Buffer.from('%PDF-1.7 fake');
  async printToPDF(options: Record<string, unknown>): Promise<Buffer> {
    this.printed.push(options);
    return this.pdf;
  }
  async executeJavaScript(code: string): Promise<unknown> {
    this.executed.push(code);
    return undefined;
  }
  /** Plays a navigation the page starts; returns whether it was prevented. */
  navigate(url: string): boolean {
    const event = new FakeEvent();
    this.emit('will-navigate', event, url);
    return event.defaultPrevented;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  visible = false;
  destroyed = false;
  minimized = false;
  loaded: { url?: string; file?: string } = {};
  constructor(readonly options: Record<string, any>) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {}
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
    this.visible = false;
  }
  async loadURL(url: string): Promise<void> {
    this.loaded = { url };
    this.webContents.mainFrame.url = url;
  }
  async loadFile(file: string): Promise<void> {
    this.loaded = { file };
    this.webContents.mainFrame.url = `file://${file}`;
  }
  /** What the window's close button does: 'close' listeners may prevent it; otherwise it is destroyed. */
  close(): void {
    const event = new FakeEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) {
      this.destroyed = true;
      this.visible = false;
      this.emit('closed');
    }
  }
}

export interface FakeMenuItem {
  label?: string;
  type?: string;
  checked?: boolean;
  enabled?: boolean;
  click?: (item: { checked: boolean }) => void;
}

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  image: { path: string };
  tooltip = '';
  menu: { items: FakeMenuItem[] } | null = null;
  destroyed = false;
  constructor(image: { path: string }) {
    super();
    this.image = image;
    FakeTray.instances.push(this);
  }
  setImage(image: { path: string }): void {
    this.image = image;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: { items: FakeMenuItem[] }): void {
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export class FakeNotification extends EventEmitter {
  static instances: FakeNotification[] = [];
  static isSupported(): boolean {
    return true;
  }
  shown = false;
  constructor(readonly options: { title: string; body: string }) {
    super();
    FakeNotification.instances.push(this);
  }
  show(): void {
    this.shown = true;
  }
}

/** "Encryption" a test can tell from plain text: the bytes reversed and XORed, behind a prefix like Chromium's. */
export const fakeSafeStorage = {
  available: true,
  backend: 'gnome_libsecret',
  isEncryptionAvailable(): boolean {
    return this.available;
  },
  getSelectedStorageBackend(): string {
    return this.backend;
  },
  encryptString(plain: string): Buffer {
    return Buffer.concat([Buffer.from('v11'), Buffer.from([...Buffer.from(plain, 'utf8')].reverse().map((b) => b ^ 0x5a))]);
  },
  decryptString(encrypted: Buffer): string {
    if (encrypted.subarray(0, 3).toString() !== 'v11') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from([...encrypted.subarray(3)].map((b) => b ^ 0x5a).reverse()).toString('utf8');
  },
};

export const ipcHandlers = new Map<string, Handler>();

/** A session of its own (session.fromPartition): what it lets load, and its permission handlers. */
export class FakePartition {
  static instances = new Map<string, FakePartition>();
  beforeRequest: Handler | null = null;
  permissionRequestHandler: Handler | null = null;
  permissionCheckHandler: Handler | null = null;
  readonly webRequest = {
    onBeforeRequest: (handler: Handler) => {
      this.beforeRequest = handler;
    },
  };
  setPermissionRequestHandler(handler: Handler) {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: Handler) {
    this.permissionCheckHandler = handler;
  }
  /** Whether a request for `url` would be let through. */
  allows(url: string): boolean {
    let cancel = true;
    this.beforeRequest?.({ url }, (answer: { cancel?: boolean }) => (cancel = answer.cancel === true));
    return !cancel;
  }
}

export const fakeSession = {
  onHeadersReceived: null as Handler | null,
  permissionRequestHandler: null as Handler | null,
  permissionCheckHandler: null as Handler | null,
  webRequest: {
    onHeadersReceived(handler: Handler) {
      fakeSession.onHeadersReceived = handler;
    },
  },
  setPermissionRequestHandler(handler: Handler) {
    fakeSession.permissionRequestHandler = handler;
  },
  setPermissionCheckHandler(handler: Handler) {
    fakeSession.permissionCheckHandler = handler;
  },
};

const loginItems = { openAtLogin: false, args: [] as string[] };

export const electron = {
  app: Object.assign(new EventEmitter(), {
    isPackaged: false,
    paths: new Map<string, string>(),
    quit: vi.fn(),
    exit: vi.fn(),
    enableSandbox: vi.fn(),
    setName: vi.fn(),
    setAppUserModelId: vi.fn(),
    requestSingleInstanceLock: vi.fn(() => true),
    whenReady: () => Promise.resolve(),
    getAppPath: () => process.cwd(),
    getVersion: () => '0.1.0-test',
    setPath(name: string, path: string) {
      this.paths.set(name, path);
    },
    getPath(name: string) {
      return this.paths.get(name) ?? `/tmp/fake-electron/${name}`;
    },
    getLoginItemSettings: (options?: { args?: string[] }) => ({
      openAtLogin: loginItems.openAtLogin && JSON.stringify(options?.args ?? []) === JSON.stringify(loginItems.args),
      wasOpenedAtLogin: false,
    }),
    setLoginItemSettings: (settings: { openAtLogin: boolean; args?: string[] }) => {
      loginItems.openAtLogin = settings.openAtLogin;
      loginItems.args = settings.args ?? [];
    },
  }),
  BrowserWindow: FakeBrowserWindow,
  Tray: FakeTray,
  Menu: { buildFromTemplate: (items: FakeMenuItem[]) => ({ items }) },
  nativeImage: { createFromPath: (path: string) => ({ path }) },
  Notification: FakeNotification,
  ipcMain: {
    handle: (channel: string, handler: Handler) => {
      if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      ipcHandlers.set(channel, handler);
    },
    removeHandler: (channel: string) => ipcHandlers.delete(channel),
  },
  safeStorage: fakeSafeStorage,
  shell: { openExternal: vi.fn(async () => {}) },
  dialog: {
    showErrorBox: vi.fn(),
    /** The user's answer to the next save dialog; a test sets it. */
    showSaveDialog: vi.fn(async (..._args: unknown[]): Promise<{ canceled: boolean; filePath?: string }> => ({ canceled: true })),
  },
  // The renderer side, for the preload.
  contextBridge: {
    exposed: new Map<string, unknown>(),
    exposeInMainWorld(key: string, api: unknown) {
      this.exposed.set(key, api);
    },
  },
  ipcRenderer: Object.assign(new EventEmitter(), { invoke: vi.fn(async (_channel: string, _args?: unknown): Promise<unknown> => undefined) }),
  session: {
    defaultSession: fakeSession,
    fromPartition(partition: string) {
      const existing = FakePartition.instances.get(partition);
      if (existing) return existing;
      const made = new FakePartition();
      FakePartition.instances.set(partition, made);
      return made;
    },
  },
};
