import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// `vite build web` (or `npm run build:web`) → web/dist, served by `iris serve` at `/`.
// `vite web` is a dev server with hot reload that proxies the API to a running Iris.
export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      '/api': process.env.IRIS_URL ?? 'http://127.0.0.1:8080',
      '/share': process.env.IRIS_URL ?? 'http://127.0.0.1:8080',
    },
  },
});
