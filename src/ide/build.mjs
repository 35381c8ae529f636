// Builds GraphiQL into dist/ide. GraphiQL and React are dev dependencies: a production install
// (npm ci --omit=dev) has none of them and never serves the IDE, so the build is skipped there
// instead of failing `npm start`.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';

const require = createRequire(import.meta.url);
try {
  require.resolve('graphiql');
  require.resolve('react-dom/client');
} catch {
  console.warn('GraphiQL not built: its packages are not installed (a production install has no dev IDE).');
  process.exit(0);
}
const args = [
  'src/ide/main.ts',
  'src/ide/index.html',
  '--bundle',
  '--minify',
  '--format=esm',
  '--target=es2022',
  '--outdir=dist/ide',
  '--loader:.html=copy',
  '--define:process.env.NODE_ENV="production"',
  '--log-level=warning',
];
const result = spawnSync('esbuild', args, { stdio: 'inherit', shell: false });
process.exit(result.status ?? 1);
