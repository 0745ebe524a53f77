import { render } from 'preact';
import { App } from './App.js';
import { LangProvider } from './i18n/i18n.js';
import { SessionProvider } from './session.js';

const root = document.getElementById('app');
if (root !== null) {
  root.replaceChildren();
  render(
    <LangProvider>
      <SessionProvider>
        <App />
      </SessionProvider>
    </LangProvider>,
    root,
  );
}
