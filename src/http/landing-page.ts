/**
 * Apollo's default landing page loads scripts from a CDN, which a closed network cannot reach;
 * this page is plain local HTML that tells a developer how to talk to the API.
 */
export const landingPageHtml = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>passgraph</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem}code,pre{background:#f3f3f3;padding:.1rem .3rem}pre{padding:1rem;overflow:auto}</style>
</head>
<body>
<h1>passgraph</h1>
<p>The GraphQL API is served at <code>POST /graphql</code>. Get a token for a demo user with
<code>npm run -s token -- member@example.com</code>, then:</p>
<pre>curl -s http://localhost:4000/graphql \\
  -H 'content-type: application/json' \\
  -H "authorization: Bearer $TOKEN" \\
  -d '{"query":"{ me { id email displayName appRole devices { friendlyName } } }"}'</pre>
<p>The schema with its access rules: <code>npm run -s schema:print</code>.
Health: <a href="/healthz">/healthz</a>, readiness: <a href="/readyz">/readyz</a>.</p>
</body>
</html>
`;
