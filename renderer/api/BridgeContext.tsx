// The bridge reaches components through context, so tests hand the pages an in-memory one.
import { createContext, useContext, type ReactNode } from 'react';
import type { BackupHealthBridge } from '../../shared/api';

const BridgeContext = createContext<BackupHealthBridge | null>(null);

export function BridgeProvider({ bridge, children }: { bridge: BackupHealthBridge; children: ReactNode }) {
  return <BridgeContext.Provider value={bridge}>{children}</BridgeContext.Provider>;
}

export function useBridge(): BackupHealthBridge {
  const bridge = useContext(BridgeContext);
  if (!bridge) throw new Error('useBridge() outside <BridgeProvider>');
  return bridge;
}
