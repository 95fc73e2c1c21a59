/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into the Maven module's classes (classpath:/clinician-app/), served by the server at /app/.
export default defineConfig({
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: 'target/classes/clinician-app',
    emptyOutDir: true,
    sourcemap: false,
    // no inline <script>: the server's CSP allows scripts from its own origin only
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npm run dev`: the app on Vite, the API on a server started with the README's first command
    proxy: {
      '/fhir': { target: 'https://localhost:8443', secure: false },
      '/auth': { target: 'https://localhost:8443', secure: false },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
