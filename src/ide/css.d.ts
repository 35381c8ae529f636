// esbuild bundles CSS imports into main.css; to TypeScript they are plain side effects.
declare module '*.css';
