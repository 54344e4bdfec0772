import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getBridge } from './api';
import { BridgeProvider } from './api/BridgeContext';
import { App } from './App';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BridgeProvider bridge={getBridge()}>
      <App />
    </BridgeProvider>
  </StrictMode>,
);
