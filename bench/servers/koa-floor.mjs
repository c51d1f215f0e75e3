// The raw Koa anchor of reference/perf-anchors.md §1: parse a JSON body, answer 200 JSON.
// Prints its URL on stdout and serves until killed.
import Koa from 'koa';
import Router from '@koa/router';

const app = new Koa();
const router = new Router();
router.post('/webhook', async (ctx) => {
  let raw = '';
  for await (const chunk of ctx.req) raw += chunk;
  JSON.parse(raw);
  ctx.body = { ok: true };
});
app.use(router.routes());
const server = app.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}/webhook`));
