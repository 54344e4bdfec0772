import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { BackupHealthBridge } from '../../../shared/api';
import { BridgeProvider } from '../../../renderer/api/BridgeContext';
import { ChartSizeContext } from '../../../renderer/charts/ChartFrame';

/** Renders `ui` with the fake bridge and charts at a fixed size (nothing can be measured in jsdom). */
export function renderWithBridge(ui: ReactElement, bridge: BackupHealthBridge) {
  return render(
    <BridgeProvider bridge={bridge}>
      <ChartSizeContext.Provider value={{ width: 800, height: 240 }}>{ui}</ChartSizeContext.Provider>
    </BridgeProvider>,
  );
}
