import { defineConfig } from 'vite';

// passgraph serves the built console at /console/ in dev mode, on the API's own origin.
// `npm run dev` here proxies the API and the dev sign-in to `npm start` instead, so the cookie
// still lands on the origin the browser talks to.
const api = process.env['PASSGRAPH_URL'] || 'http://127.0.0.1:4000';

export default defineConfig({
  base: '/console/',
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    // The browser's Host header is kept so the sign-in's same-origin check sees this origin.
    // `/v1/` is the identity service's Authentication API, which passgraph forwards in dev mode.
    proxy: { '/graphql': { target: api, changeOrigin: false }, '/dev/': { target: api, changeOrigin: false }, '/v1/': { target: api, changeOrigin: false } },
  },
});
