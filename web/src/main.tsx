import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { setToken } from './api';
import { App } from './App';
import { registerServiceWorker } from './media';
import { Router } from './router';
import { SessionProvider } from './session';
import './styles.css';

registerServiceWorker();

// Single sign-on (OIDC) returns to the dashboard with the session in the URL fragment,
// which never reaches a server: take it and clean the address bar.
const fragment = new URLSearchParams(window.location.hash.slice(1));
const ssoToken = fragment.get('token');
if (ssoToken) {
  void setToken(ssoToken);
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
}

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
createRoot(root).render(
  <StrictMode>
    <Router>
      <SessionProvider>
        <App />
      </SessionProvider>
    </Router>
  </StrictMode>,
);
