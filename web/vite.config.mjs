// Vite for the patient app (docs/app.md): sources in web/, output in build/web/ at the repository
// root (the PGO serves it at /app/), so the source tree stays clean.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const webDir = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: webDir,
  base: '/app/',
  publicDir: false,
  build: {
    outDir: resolve(webDir, '../build/web'),
    emptyOutDir: true,
    // CSP default-src 'self': no inlined assets or scripts; everything is a file under assets/.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2020',
    sourcemap: false,
  },
});
